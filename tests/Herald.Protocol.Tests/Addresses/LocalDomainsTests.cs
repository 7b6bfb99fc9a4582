using Herald.Protocol.Addresses;

namespace Herald.Protocol.Tests.Addresses;

public sealed class LocalDomainsTests
{
    private static readonly LocalDomains Local = new(["Example.ORG", "bücher.example", "xn--caf-dma.example", "localhost"]);

    [Theory]
    [InlineData("example.org")]
    [InlineData("EXAMPLE.org.")]
    [InlineData("bücher.example")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.EXAMPLE")]
    [InlineData("café.example")]
    [InlineData("localhost")]
    public void EveryFormOfALocalDomain_IsLocal(string domain) => Assert.True(Local.Contains(domain));

    [Theory]
    [InlineData("")]
    [InlineData("example.net")]
    [InlineData("sub.example.org")]
    [InlineData("[127.0.0.1]")]
    public void OtherDomains_AndAddressLiterals_AreNot(string domain) => Assert.False(Local.Contains(domain));

    [Theory]
    [InlineData("xn--bcher-kva.example", "bücher.example")]
    [InlineData("BÜCHER.example", "bücher.example")]
    [InlineData("café.example", "xn--caf-dma.example")]
    [InlineData("EXAMPLE.ORG", "Example.ORG")]
    public void Configured_GivesTheConfiguredSpelling(string domain, string configured) => Assert.Equal(configured, Local.Configured(domain));

    [Fact]
    public void Configured_IsNull_ForAnotherDomain() => Assert.Null(Local.Configured("example.net"));

    [Fact]
    public void Primary_IsTheFirstConfiguredDomain_OrLocalhost()
    {
        Assert.Equal("Example.ORG", Local.Primary);
        Assert.Equal("localhost", new LocalDomains([]).Primary);
    }
}
