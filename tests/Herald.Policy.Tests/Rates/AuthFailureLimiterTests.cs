// Failed AUTH attempts: the limit is tolerated, one more is "over", trusted clients never are.
using System.Net;
using Herald.Policy.Rates;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Rates;

public sealed class AuthFailureLimiterTests
{
    private readonly FakeTimeProvider _time = TestClock.New();

    [Fact]
    public void FailuresUpToTheLimit_AreTolerated_TheNextIsOver()
    {
        AuthFailureLimiter limiter = Limiter(perMinute: 3);
        IPAddress client = IPAddress.Parse("192.0.2.9");

        Assert.False(limiter.RecordFailure(client));
        Assert.False(limiter.RecordFailure(client));
        Assert.False(limiter.RecordFailure(client));
        Assert.True(limiter.RecordFailure(client));
    }

    [Fact]
    public void Default_TenFailuresAMinute()
    {
        var limiter = new AuthFailureLimiter(new RateLimitOptions(), NetworkList.Empty, new InMemoryRateCounter(_time));
        IPAddress client = IPAddress.Parse("192.0.2.9");

        for (int i = 0; i < 10; i++)
        {
            Assert.False(limiter.RecordFailure(client));
        }

        Assert.True(limiter.RecordFailure(client));
    }

    [Fact]
    public void FailuresOlderThanAMinute_NoLongerCount()
    {
        AuthFailureLimiter limiter = Limiter(perMinute: 1);
        IPAddress client = IPAddress.Parse("192.0.2.9");
        Assert.False(limiter.RecordFailure(client));
        Assert.True(limiter.RecordFailure(client));

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(limiter.RecordFailure(client));
    }

    [Fact]
    public void TrustedClients_AreNeverOver()
    {
        var limiter = new AuthFailureLimiter(
            new RateLimitOptions { AuthFailuresPerMinute = 1 }, NetworkList.Parse(["10.0.0.0/8"]), new InMemoryRateCounter(_time));

        for (int i = 0; i < 10; i++)
        {
            Assert.False(limiter.RecordFailure(IPAddress.Parse("10.0.0.5")));
        }
    }

    [Fact]
    public void Zero_IsOff()
    {
        AuthFailureLimiter limiter = Limiter(perMinute: 0);

        for (int i = 0; i < 100; i++)
        {
            Assert.False(limiter.RecordFailure(IPAddress.Parse("192.0.2.9")));
        }
    }

    private AuthFailureLimiter Limiter(int perMinute) =>
        new(new RateLimitOptions { AuthFailuresPerMinute = perMinute }, NetworkList.Empty, new InMemoryRateCounter(_time));
}
