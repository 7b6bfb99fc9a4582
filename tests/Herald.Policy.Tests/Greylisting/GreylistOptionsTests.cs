// Validation of Greylisting:* names each bad key; the defaults are the documented ones.
using Herald.Policy.Greylisting;

namespace Herald.Policy.Tests.Greylisting;

public sealed class GreylistOptionsTests
{
    [Fact]
    public void Defaults_AreOff_FiveMinutes_OneDay_ThirtySixDays()
    {
        var options = new GreylistOptions();

        Assert.Empty(options.Validate());
        Assert.False(options.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Delay);
        Assert.Equal(TimeSpan.FromHours(24), options.RetryWindow);
        Assert.Equal(TimeSpan.FromDays(36), options.Expiry);
    }

    [Fact]
    public void BadValues_AreEachNamedByKey()
    {
        var options = new GreylistOptions { Delay = TimeSpan.Zero, RetryWindow = TimeSpan.Zero, Expiry = TimeSpan.FromDays(-1) };
        options.AllowNetworks.Add("192.0.2.0/33");
        options.AllowSenderDomains.Add("not a domain");

        string[] errors = [.. options.Validate()];

        Assert.Collection(
            errors,
            e => Assert.StartsWith("Herald:Greylisting:Delay:", e),
            e => Assert.StartsWith("Herald:Greylisting:RetryWindow:", e),
            e => Assert.StartsWith("Herald:Greylisting:Expiry:", e),
            e => Assert.StartsWith("Herald:Greylisting:AllowNetworks:0:", e),
            e => Assert.StartsWith("Herald:Greylisting:AllowSenderDomains:0:", e));
    }

    [Fact]
    public void RetryWindowNoLongerThanTheDelay_IsRefused()
    {
        var options = new GreylistOptions { Delay = TimeSpan.FromHours(2), RetryWindow = TimeSpan.FromHours(1) };

        Assert.StartsWith("Herald:Greylisting:RetryWindow:", Assert.Single(options.Validate()));
    }
}
