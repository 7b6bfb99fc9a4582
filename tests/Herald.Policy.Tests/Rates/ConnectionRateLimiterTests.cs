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
    public void OverTheLimit_Is421_4_7_0_NamingHostAndClient()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 2);
        IPAddress client = IPAddress.Parse("192.0.2.7");
        Assert.Null(limiter.Check(client));
        Assert.Null(limiter.Check(client));

        SmtpReply? reply = limiter.Check(client);

        Assert.NotNull(reply);
        ReplyAssert.Is(reply, 421, "4.7.0");
        Assert.Equal("mx.example.test Error: too many connections from 192.0.2.7", reply.Text);
    }

    [Fact]
    public void AfterTheWindow_AdmitsAgain()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1);
        IPAddress client = IPAddress.Parse("192.0.2.7");
        Assert.Null(limiter.Check(client));
        Assert.NotNull(limiter.Check(client));

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Null(limiter.Check(client));
    }

    [Fact]
    public void Zero_IsOff()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 0);

        for (int i = 0; i < 100; i++)
        {
            Assert.Null(limiter.Check(IPAddress.Parse("192.0.2.7")));
        }
    }

    [Fact]
    public void TrustedNetworks_AreExempt()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1, trusted: "10.0.0.0/8");

        for (int i = 0; i < 10; i++)
        {
            Assert.Null(limiter.Check(IPAddress.Parse("10.1.2.3")));
        }
    }

    [Fact]
    public void ClientsAreCountedApart()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1);
        Assert.Null(limiter.Check(IPAddress.Parse("192.0.2.1")));

        Assert.Null(limiter.Check(IPAddress.Parse("192.0.2.2")));
        Assert.NotNull(limiter.Check(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public void Ipv4MappedAddress_CountsAsItsIpv4Address_AndIsShownSo()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1);
        Assert.Null(limiter.Check(IPAddress.Parse("192.0.2.7")));

        SmtpReply? reply = limiter.Check(IPAddress.Parse("::ffff:192.0.2.7"));

        Assert.NotNull(reply);
        Assert.EndsWith("from 192.0.2.7", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv6_IsCountedPerPrefix()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1);
        Assert.Null(limiter.Check(IPAddress.Parse("2001:db8:1:2::1")));

        // Same /84 (the default prefix): counted together, shown as the address that connected.
        SmtpReply? reply = limiter.Check(IPAddress.Parse("2001:db8:1:2:0000:0fff:ffff:ffff"));
        Assert.NotNull(reply);
        Assert.EndsWith("from 2001:db8:1:2:0:fff:ffff:ffff", reply.Text, StringComparison.Ordinal);

        // Another /84 of the same /64: counted apart.
        Assert.Null(limiter.Check(IPAddress.Parse("2001:db8:1:2:0000:1000::1")));
    }

    [Fact]
    public void Ipv6PrefixOf128_CountsSingleAddresses()
    {
        ConnectionRateLimiter limiter = Limiter(connectionsPerMinute: 1, ipv6PrefixLength: 128);
        Assert.Null(limiter.Check(IPAddress.Parse("2001:db8::1")));

        Assert.Null(limiter.Check(IPAddress.Parse("2001:db8::2")));
        Assert.NotNull(limiter.Check(IPAddress.Parse("2001:db8::1")));
    }

    private ConnectionRateLimiter Limiter(int connectionsPerMinute, string? trusted = null, int ipv6PrefixLength = 84) =>
        new(
            new RateLimitOptions { ConnectionsPerMinute = connectionsPerMinute, Ipv6PrefixLength = ipv6PrefixLength },
            trusted is null ? NetworkList.Empty : NetworkList.Parse([trusted]),
            new InMemoryRateCounter(_time),
            "mx.example.test");
}
