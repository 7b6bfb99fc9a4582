// The greylisting state machine without a store: every transition and the seconds left.
using System.Net;
using Herald.Policy.Greylisting;

namespace Herald.Policy.Tests.Greylisting;

public sealed class GreylistRulesTests
{
    private static readonly GreylistRules Rules = GreylistRules.From(new GreylistOptions());
    private static readonly GreylistTriplet Triplet = GreylistTriplet.For(IPAddress.Parse("192.0.2.1"), "a@example.org", "b@example.net");
    private static readonly DateTimeOffset T0 = TestClock.Start;

    [Fact]
    public void New_StartsARound_ThatExpiresAtTheEndOfTheRetryWindow()
    {
        GreylistEntry entry = Rules.Next(null, Triplet, T0);

        Assert.Equal(new GreylistEntry(Triplet, T0, T0, Passed: false, Expires: T0 + TimeSpan.FromHours(24)), entry);
        Assert.Equal(300, Rules.SecondsLeft(entry, T0));
    }

    [Fact]
    public void RetryBeforeTheDelay_KeepsTheFirstAttempt()
    {
        GreylistEntry first = Rules.Next(null, Triplet, T0);

        GreylistEntry retry = Rules.Next(first, Triplet, T0.AddSeconds(90));

        Assert.False(retry.Passed);
        Assert.Equal(T0, retry.FirstSeen);
        Assert.Equal(T0.AddSeconds(90), retry.LastSeen);
        Assert.Equal(210, Rules.SecondsLeft(retry, T0.AddSeconds(90)));
    }

    [Theory]
    [InlineData(0.5, 300)]
    [InlineData(299.2, 1)]
    [InlineData(299.999, 1)]
    public void SecondsLeft_RoundsUp_AndIsAtLeastOne(double elapsed, int seconds)
    {
        GreylistEntry first = Rules.Next(null, Triplet, T0);

        Assert.Equal(seconds, Rules.SecondsLeft(first, T0.AddSeconds(elapsed)));
    }

    [Fact]
    public void RetryAtTheDelay_Passes_AndIsRememberedForTheExpiry()
    {
        GreylistEntry first = Rules.Next(null, Triplet, T0);
        DateTimeOffset at = T0 + TimeSpan.FromMinutes(5);

        GreylistEntry passed = Rules.Next(first, Triplet, at);

        Assert.True(passed.Passed);
        Assert.Equal(T0, passed.FirstSeen);
        Assert.Equal(at + TimeSpan.FromDays(36), passed.Expires);
    }

    [Fact]
    public void RetryAtTheEndOfTheWindow_StillPasses_OneTickLaterStartsOver()
    {
        GreylistEntry first = Rules.Next(null, Triplet, T0);
        DateTimeOffset end = T0 + TimeSpan.FromHours(24);

        Assert.True(Rules.Next(first, Triplet, end).Passed);

        GreylistEntry again = Rules.Next(first, Triplet, end.AddTicks(1));
        Assert.False(again.Passed);
        Assert.Equal(end.AddTicks(1), again.FirstSeen);
    }

    [Fact]
    public void PassedEntry_IsRefreshedOnEachPass()
    {
        GreylistEntry passed = Rules.Next(Rules.Next(null, Triplet, T0), Triplet, T0.AddMinutes(6));
        DateTimeOffset later = T0 + TimeSpan.FromDays(30);

        GreylistEntry refreshed = Rules.Next(passed, Triplet, later);

        Assert.True(refreshed.Passed);
        Assert.Equal(later + TimeSpan.FromDays(36), refreshed.Expires);
    }

    [Fact]
    public void ExpiredPassedEntry_StartsOver()
    {
        GreylistEntry passed = Rules.Next(Rules.Next(null, Triplet, T0), Triplet, T0.AddMinutes(6));
        DateTimeOffset later = passed.Expires.AddSeconds(1);

        GreylistEntry entry = Rules.Next(passed, Triplet, later);

        Assert.False(entry.Passed);
        Assert.Equal(later, entry.FirstSeen);
    }
}
