// The policy options bind from the keys the documentation names and report bad values by key.
using Microsoft.Extensions.Configuration;

namespace Herald.Policy.Tests;

public sealed class PolicyOptionsTests
{
    [Fact]
    public void Bind_ReadsEveryNewSection_FromItsDocumentedKeys()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Herald:RateLimits:ConnectionsPerMinute"] = "30",
            ["Herald:RateLimits:MessagesPerMinute"] = "20",
            ["Herald:RateLimits:RecipientsPerMinute"] = "100",
            ["Herald:RateLimits:AuthFailuresPerMinute"] = "5",
            ["Herald:Greylisting:Enabled"] = "true",
            ["Herald:Greylisting:Delay"] = "00:02:00",
            ["Herald:Greylisting:RetryWindow"] = "2.00:00:00",
            ["Herald:Greylisting:Expiry"] = "40.00:00:00",
            ["Herald:Greylisting:AllowNetworks:0"] = "198.51.100.0/24",
            ["Herald:Greylisting:AllowSenderDomains:0"] = "example.org",
            ["Herald:Checks:RejectNullMxSender"] = "true",
            ["Herald:Limits:MinFreeDiskBytes"] = "1000000",
            ["Herald:Limits:CriticalFreeDiskBytes"] = "500000",
            ["Herald:Limits:MaxMemoryBytes"] = "2000000000",

            // The server's own limit in the same section must not upset the policy's binding.
            ["Herald:Limits:MaxMessageSize"] = "1048576",
        }).Build();
        var options = new PolicyOptions();

        configuration.GetSection("Herald").Bind(options);

        Assert.Empty(options.Validate());
        Assert.Equal((30, 20, 100, 5), (options.RateLimits.ConnectionsPerMinute, options.RateLimits.MessagesPerMinute, options.RateLimits.RecipientsPerMinute, options.RateLimits.AuthFailuresPerMinute));
        Assert.True(options.Greylisting.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Greylisting.Delay);
        Assert.Equal(TimeSpan.FromDays(2), options.Greylisting.RetryWindow);
        Assert.Equal(TimeSpan.FromDays(40), options.Greylisting.Expiry);
        Assert.Equal(["198.51.100.0/24"], options.Greylisting.AllowNetworks);
        Assert.Equal(["example.org"], options.Greylisting.AllowSenderDomains);
        Assert.True(options.Checks.RejectNullMxSender);
        Assert.Equal((1_000_000L, 500_000L, 2_000_000_000L), (options.Limits.MinFreeDiskBytes, options.Limits.CriticalFreeDiskBytes, options.Limits.MaxMemoryBytes));
    }

    [Fact]
    public void Validate_ReportsTheNestedSections_ByKey()
    {
        var options = new PolicyOptions();
        options.RateLimits.MessagesPerMinute = -1;
        options.Greylisting.Delay = TimeSpan.Zero;
        options.Limits.MaxMemoryBytes = -1;

        Assert.Collection(
            options.Validate(),
            e => Assert.StartsWith("Herald:RateLimits:MessagesPerMinute:", e),
            e => Assert.StartsWith("Herald:Greylisting:Delay:", e),
            e => Assert.StartsWith("Herald:Limits:MaxMemoryBytes:", e));
    }
}
