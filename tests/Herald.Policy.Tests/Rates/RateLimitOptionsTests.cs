// Validation of RateLimits:* names each bad key.
using Herald.Policy.Rates;

namespace Herald.Policy.Tests.Rates;

public sealed class RateLimitOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndOffButForAuthFailures()
    {
        var options = new RateLimitOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(0, options.ConnectionsPerMinute);
        Assert.Equal(0, options.MessagesPerMinute);
        Assert.Equal(0, options.RecipientsPerMinute);
        Assert.Equal(10, options.AuthFailuresPerMinute);
        Assert.Equal(84, options.Ipv6PrefixLength);
    }

    [Fact]
    public void BadValues_AreEachNamedByKey()
    {
        var options = new RateLimitOptions
        {
            ConnectionsPerMinute = -1,
            MessagesPerMinute = -2,
            RecipientsPerMinute = RateLimitOptions.MaxLimit + 1,
            AuthFailuresPerMinute = -4,
            Ipv6PrefixLength = 16,
            MaxTrackedClients = 0,
        };

        string[] errors = [.. options.Validate()];

        Assert.Collection(
            errors,
            e => Assert.StartsWith("Herald:RateLimits:ConnectionsPerMinute:", e),
            e => Assert.StartsWith("Herald:RateLimits:MessagesPerMinute:", e),
            e => Assert.StartsWith("Herald:RateLimits:RecipientsPerMinute:", e),
            e => Assert.StartsWith("Herald:RateLimits:AuthFailuresPerMinute:", e),
            e => Assert.StartsWith("Herald:RateLimits:Ipv6PrefixLength:", e),
            e => Assert.StartsWith("Herald:RateLimits:MaxTrackedClients:", e));
    }
}
