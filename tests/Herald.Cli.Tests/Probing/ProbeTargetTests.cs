// What `herald probe` makes of its argument: a domain, a host with a port, or an address.
using Herald.Cli.Probing;

namespace Herald.Cli.Tests.Probing;

public sealed class ProbeTargetTests
{
    [Theory]
    [InlineData("example.org", "Domain", "example.org", null)]
    [InlineData("Example.ORG.", "Domain", "example.org", null)]
    [InlineData("bücher.example", "Domain", "xn--bcher-kva.example", null)]
    [InlineData("mx.example.org:2525", "HostName", "mx.example.org", 2525)]
    [InlineData("192.0.2.1", "Address", "192.0.2.1", null)]
    [InlineData("192.0.2.1:25", "Address", "192.0.2.1", 25)]
    [InlineData("2001:db8::1", "Address", "2001:db8::1", null)]
    [InlineData("[2001:db8::1]:587", "Address", "2001:db8::1", 587)]
    [InlineData("[2001:db8::1]", "Address", "2001:db8::1", null)]
    public void Parses(string input, string kind, string name, int? port)
    {
        Assert.True(ProbeTarget.TryParse(input, out ProbeTarget? target, out string? error), error);
        Assert.Equal(kind, target.Kind.ToString());
        Assert.Equal(name, target.Name);
        Assert.Equal(port, target.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("user@example.org")]
    [InlineData("example.org:0")]
    [InlineData("example.org:smtp")]
    [InlineData("[2001:db8::1")]
    [InlineData("[mx.example.org]:25")]
    [InlineData("exa mple.org")]
    public void Rejects(string input)
    {
        Assert.False(ProbeTarget.TryParse(input, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
