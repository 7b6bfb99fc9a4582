// Tests of turning mail domains into the A-label form the DNS is asked about.
namespace Herald.Dns.Tests;

public sealed class DomainNamesTests
{
    [Theory]
    [InlineData("example.test", "example.test")]
    [InlineData("EXAMPLE.Test", "example.test")]
    [InlineData("example.test.", "example.test")]
    [InlineData("bücher.test", "xn--bcher-kva.test")]
    [InlineData("BÜCHER.test", "xn--bcher-kva.test")]
    [InlineData("xn--bcher-kva.test", "xn--bcher-kva.test")]
    [InlineData("XN--BCHER-KVA.TEST", "xn--bcher-kva.test")]
    [InlineData("例え.テスト", "xn--r8jz45g.xn--zckzah")]
    [InlineData("_dmarc.example.test", "_dmarc.example.test")]
    public void TryToLookupForm_ValidName_GivesLowerCaseALabels(string domain, string expected)
    {
        Assert.True(DomainNames.TryToLookupForm(domain, out var aLabel));
        Assert.Equal(expected, aLabel);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..test")]
    [InlineData(".example.test")]
    [InlineData("exa mple.test")]
    [InlineData("ex@mple.test")]
    [InlineData("[192.0.2.1]")]
    [InlineData("xn--zz.test")]
    public void TryToLookupForm_InvalidName_IsRejected(string? domain)
    {
        Assert.False(DomainNames.TryToLookupForm(domain, out var aLabel));
        Assert.Null(aLabel);
    }

    [Fact]
    public void TryToLookupForm_LabelOver63_IsRejected()
    {
        Assert.True(DomainNames.TryToLookupForm(new string('a', 63) + ".test", out _));
        Assert.False(DomainNames.TryToLookupForm(new string('a', 64) + ".test", out _));
    }

    [Fact]
    public void TryToLookupForm_NameOver253_IsRejected()
    {
        var label = new string('a', 49) + ".";
        var name253 = string.Concat(Enumerable.Repeat(label, 5)) + "abc"; // 5 * 50 + 3
        Assert.Equal(253, name253.Length);
        Assert.True(DomainNames.TryToLookupForm(name253, out _));
        Assert.False(DomainNames.TryToLookupForm(name253 + "d", out _));
    }
}
