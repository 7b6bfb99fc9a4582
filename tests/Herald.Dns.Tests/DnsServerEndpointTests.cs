// Tests of reading Dns:Servers entries and of the option checks that use it.
using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Dns.Tests;

public sealed class DnsServerEndpointTests
{
    [Theory]
    [InlineData("127.0.0.1:5353", "127.0.0.1", 5353)]
    [InlineData("127.0.0.1", "127.0.0.1", 53)]
    [InlineData(" 192.0.2.53 ", "192.0.2.53", 53)]
    [InlineData("::1", "::1", 53)]
    [InlineData("[::1]:53", "::1", 53)]
    [InlineData("[::1]:5353", "::1", 5353)]
    [InlineData("[2001:db8::53]", "2001:db8::53", 53)]
    [InlineData("2001:db8::53", "2001:db8::53", 53)]
    public void TryParse_ValidEntry_GivesAddressAndPort(string text, string address, int port)
    {
        Assert.True(DnsServerEndpoint.TryParse(text, out var endpoint, out var error), error);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Fact]
    public void TryParse_BareIpv6WithWhatLooksLikeAPort_IsAnAddress()
    {
        // "::1:53" is a valid IPv6 address; a port needs the bracketed form.
        Assert.True(DnsServerEndpoint.TryParse("::1:53", out var endpoint, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("::1:53"), 53), endpoint);
    }

    [Theory]
    [InlineData("dns.example")]
    [InlineData("dns.example:53")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:abc")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:+53")]
    [InlineData("127.1")]
    [InlineData("1")]
    [InlineData("[::1")]
    [InlineData("[::1]53")]
    [InlineData("[127.0.0.1]:53")]
    [InlineData("::g")]
    [InlineData("")]
    [InlineData("   ")]
    public void TryParse_BadEntry_FailsWithMessageNamingTheSetting(string text)
    {
        Assert.False(DnsServerEndpoint.TryParse(text, out var endpoint, out var error));
        Assert.Null(endpoint);
        Assert.Contains("Dns:Servers", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadEntry_ThrowsFormatExceptionQuotingIt()
    {
        var e = Assert.Throws<FormatException>(() => DnsServerEndpoint.Parse("resolver.example"));
        Assert.Contains("Dns:Servers", e.Message, StringComparison.Ordinal);
        Assert.Contains("\"resolver.example\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_FindNothing()
    {
        Assert.Empty(new DnsOptions().Validate());
    }

    [Fact]
    public void Validate_BadServerAndBadTimeout_ReportsBoth()
    {
        var options = new DnsOptions { Timeout = TimeSpan.Zero };
        options.Servers.Add("127.0.0.1:5353");
        options.Servers.Add("not-an-ip");

        var errors = options.Validate();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("Dns:Servers", StringComparison.Ordinal) && e.Contains("not-an-ip", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Dns:Timeout", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_FailureCacheOverFiveMinutes_IsRejected()
    {
        var options = new DnsOptions { FailureCacheTime = TimeSpan.FromMinutes(6) };
        Assert.Contains(options.Validate(), e => e.Contains("RFC 2308", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolver_BadServerEntry_ThrowsNamingTheSetting()
    {
        var options = new DnsOptions();
        options.Servers.Add("300.0.0.1");

        var e = Assert.Throws<ArgumentException>(() => new DnsMxResolver(options, new FakeTimeProvider()));
        Assert.Contains("Dns:Servers", e.Message, StringComparison.Ordinal);
    }
}
