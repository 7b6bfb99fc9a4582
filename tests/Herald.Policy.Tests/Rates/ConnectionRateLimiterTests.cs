// The connection rate limit: 421 4.7.0 with host and client, trusted networks exempt, IPv6 counted per network.
using System.Net;
using Herald.Policy.Rates;
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Rates;

public sealed class ConnectionRateLimiterTests
{
    private readonly FakeTimeProvider _time = TestClock.New();

    [Fact]
    public async Task OverTheLimit_Is421_4_7_0_NamingHostAndClient()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 2);
        IPAddress client = IPAddress.Parse("192.0.2.7");
        Assert.Null(await limiter.CheckAsync(client, default));
        Assert.Null(await limiter.CheckAsync(client, default));

        SmtpReply? reply = await limiter.CheckAsync(client, default);

        Assert.NotNull(reply);
        ReplyAssert.Is(reply, 421, "4.7.0");
        Assert.Equal("mx.example.test Error: too many connections from 192.0.2.7", reply.Text);
    }

    [Fact]
    public async Task AfterTheWindow_AdmitsAgain()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1);
        IPAddress client = IPAddress.Parse("192.0.2.7");
        Assert.Null(await limiter.CheckAsync(client, default));
        Assert.NotNull(await limiter.CheckAsync(client, default));

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Null(await limiter.CheckAsync(client, default));
    }

    [Fact]
    public async Task Zero_IsOff()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 0);

        for (int i = 0; i < 100; i++)
        {
            Assert.Null(await limiter.CheckAsync(IPAddress.Parse("192.0.2.7"), default));
        }
    }

    [Fact]
    public async Task TrustedNetworks_AreExempt()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1, trusted: "10.0.0.0/8");

        for (int i = 0; i < 10; i++)
        {
            Assert.Null(await limiter.CheckAsync(IPAddress.Parse("10.1.2.3"), default));
        }
    }

    [Fact]
    public async Task ClientsAreCountedApart()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1);
        Assert.Null(await limiter.CheckAsync(IPAddress.Parse("192.0.2.1"), default));

        Assert.Null(await limiter.CheckAsync(IPAddress.Parse("192.0.2.2"), default));
        Assert.NotNull(await limiter.CheckAsync(IPAddress.Parse("192.0.2.1"), default));
    }

    [Fact]
    public async Task Ipv4MappedAddress_CountsAsItsIpv4Address_AndIsShownSo()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1);
        Assert.Null(await limiter.CheckAsync(IPAddress.Parse("192.0.2.7"), default));

        SmtpReply? reply = await limiter.CheckAsync(IPAddress.Parse("::ffff:192.0.2.7"), default);

        Assert.NotNull(reply);
        Assert.EndsWith("from 192.0.2.7", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ipv6_IsCountedPerPrefix()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1);
        Assert.Null(await limiter.CheckAsync(IPAddress.Parse("2001:db8:1:2::1"), default));

        // Same /84 (the default prefix): counted together, shown as the address that connected.
        SmtpReply? reply = await limiter.CheckAsync(IPAddress.Parse("2001:db8:1:2:0000:0fff:ffff:ffff"), default);
        Assert.NotNull(reply);
        Assert.EndsWith("from 2001:db8:1:2:0:fff:ffff:ffff", reply.Text, StringComparison.Ordinal);

        // Another /84 of the same /64: counted apart.
        Assert.Null(await limiter.CheckAsync(IPAddress.Parse("2001:db8:1:2:0000:1000::1"), default));
    }

    [Fact]
    public async Task Ipv6PrefixOf128_CountsSingleAddresses()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1, ipv6PrefixLength: 128);
        Assert.Null(await limiter.CheckAsync(IPAddress.Parse("2001:db8::1"), default));

        Assert.Null(await limiter.CheckAsync(IPAddress.Parse("2001:db8::2"), default));
        Assert.NotNull(await limiter.CheckAsync(IPAddress.Parse("2001:db8::1"), default));
    }

    [Fact]
    public async Task CounterUnavailable_Is421_4_3_0_AndTheClientIsNotAdmitted()
    {
        var limiter = new ConnectionRateLimiter(
            new RateLimitOptions { ConnectionsPerMinute = 5 }, NetworkList.Empty, new UnavailableRateCounter(), "mx.example.test");

        SmtpReply? reply = await limiter.CheckAsync(IPAddress.Parse("192.0.2.7"), default);

        Assert.NotNull(reply);
        ReplyAssert.Is(reply, 421, "4.3.0");
        Assert.StartsWith("mx.example.test ", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CounterUnavailable_TrustedClientsAreStillAdmitted()
    {
        var limiter = new ConnectionRateLimiter(
            new RateLimitOptions { ConnectionsPerMinute = 5 }, NetworkList.Parse(["10.0.0.0/8"]), new UnavailableRateCounter(), "mx.example.test");

        Assert.Null(await limiter.CheckAsync(IPAddress.Parse("10.1.2.3"), default));
    }

    private ConnectionRateLimiter Limiter(int connectionsPerMinute, string? trusted = null, int ipv6PrefixLength = 84) =>
        new(
            new RateLimitOptions { ConnectionsPerMinute = connectionsPerMinute, Ipv6PrefixLength = ipv6PrefixLength },
            trusted is null ? NetworkList.Empty : NetworkList.Parse([trusted]),
            new InMemoryRateCounter(_time),
            "mx.example.test");
}
