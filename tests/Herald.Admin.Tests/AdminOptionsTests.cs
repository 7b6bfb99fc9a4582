// The Admin settings: loopback by default, a token required off loopback, and every bad value named by its key.
namespace Herald.Admin.Tests;

public sealed class AdminOptionsTests
{
    [Fact]
    public void Defaults_AreEnabledOnLoopback_WithoutToken_AndValid()
    {
        var options = new AdminOptions();

        Assert.True(options.Enabled);
        Assert.Equal("127.0.0.1:9025", options.Endpoint);
        Assert.True(options.IsLoopback);
        Assert.Null(options.EffectiveToken);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("0.0.0.0:9025")]
    [InlineData("192.0.2.10:9025")]
    [InlineData("[::]:9025")]
    public void OffLoopback_WithoutToken_IsAConfigurationError(string endpoint)
    {
        string error = Assert.Single(new AdminOptions { Endpoint = endpoint }.Validate());

        Assert.StartsWith("Herald:Admin:Token:", error, StringComparison.Ordinal);
        Assert.Contains(endpoint, error, StringComparison.Ordinal);
        Assert.Empty(new AdminOptions { Endpoint = endpoint, Token = "0123456789abcdef0123" }.Validate());
    }

    [Theory]
    [InlineData("[::1]:9025", true)]
    [InlineData("127.0.0.2:9025", true)]
    [InlineData("10.0.0.1:9025", false)]
    public void Loopback_IsAnyLoopbackAddress(string endpoint, bool loopback) =>
        Assert.Equal(loopback, new AdminOptions { Endpoint = endpoint, Token = "0123456789abcdef0123" }.IsLoopback);

    [Fact]
    public void ShortToken_AndBadEndpoint_AreNamedByTheirKeys()
    {
        Assert.StartsWith("Herald:Admin:Token:", Assert.Single(new AdminOptions { Token = "short" }.Validate()), StringComparison.Ordinal);
        Assert.StartsWith("Herald:Admin:Endpoint:", Assert.Single(new AdminOptions { Endpoint = "localhost" }.Validate()), StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_IsNotValidatedAtAll()
    {
        Assert.Empty(new AdminOptions { Enabled = false, Endpoint = "nonsense" }.Validate());
    }

    [Fact]
    public void EmptyToken_IsNoToken()
    {
        Assert.Null(new AdminOptions { Token = "  " }.EffectiveToken);
        Assert.Empty(new AdminOptions { Token = "  " }.Validate());
    }
}
