using Herald.Cli.Configuration;
using Microsoft.Extensions.Configuration;

namespace Herald.Cli.Tests.Configuration;

public sealed class HeraldSettingsTests
{
    [Fact]
    public void NoConfiguration_GivesTheEmbeddedDefaults()
    {
        HeraldSettings settings = Load();
        Assert.Equal("127.0.0.1:2525", Assert.Single(settings.Server.EffectiveListeners).Endpoint);
        Assert.Equal(Path.GetFullPath("herald-data"), settings.DataDirectory);
        Assert.Equal(["localhost"], settings.Policy.LocalDomains);
        Assert.False(settings.Maintenance);
        Assert.True(settings.Server.AcceptMail);
        Assert.False(settings.Cluster.IsEnabled);
        Assert.True(settings.Admin.Enabled);
        Assert.Equal("127.0.0.1:9025", settings.Admin.Endpoint);
        Assert.Null(settings.Admin.Token);
    }

    [Fact]
    public void AdminOffLoopbackWithoutToken_StopsStartUp_NamingTheTokenKey()
    {
        ConfigurationException error = Assert.Throws<ConfigurationException>(() => Load(("Herald:Admin:Endpoint", "0.0.0.0:9025")));
        Assert.Contains("Herald:Admin:Token", error.Message, StringComparison.Ordinal);
        Assert.Equal("0.0.0.0:9025", Load(("Herald:Admin:Endpoint", "0.0.0.0:9025"), ("Herald:Admin:Token", "0123456789abcdef0123")).Admin.Endpoint);
    }

    [Fact]
    public void ClusterSettings_AreBoundFromTheClusterSection()
    {
        HeraldSettings settings = Load(
            ("Herald:Cluster:Redis", "redis.example.org:6379,password=secret"),
            ("Herald:Cluster:KeyPrefix", "mail:"),
            ("Herald:Cluster:InstanceName", "mx1"));

        Assert.True(settings.Cluster.IsEnabled);
        Assert.Equal(("mail:", "mx1"), (settings.Cluster.KeyPrefix, settings.Cluster.InstanceName));
    }

    [Fact]
    public void MaintenanceTrue_StartsInMaintenance()
    {
        Assert.True(Load(("Herald:Maintenance", "true")).Maintenance);
    }

    [Fact]
    public void SetOverrides_AreRelativeToTheHeraldSection()
    {
        IConfiguration configuration = HeraldConfiguration.Load(null, ["Limits:MaxRecipients=50", "LocalDomains:0=example.org"]);
        HeraldSettings settings = HeraldSettings.Load(configuration);
        Assert.Equal(50, settings.Server.Limits.MaxRecipients);
        Assert.Equal(["example.org"], settings.Policy.LocalDomains);
    }

    [Theory]
    [InlineData("Herald:Limits:MaxMessageSize", "lots", "Herald:Limits:MaxMessageSize")]
    [InlineData("Herald:Limits:MaxRecipients", "0", "Herald:Limits:MaxRecipients")]
    [InlineData("Herald:Listeners:0:Endpoint", "localhost", "Herald:Listeners:0:Endpoint")]
    [InlineData("Herald:TrustedNetworks:0", "10.0.0.0/99", "Herald:TrustedNetworks")]
    [InlineData("Herald:Hostname", "not a host", "Herald:Hostname")]
    [InlineData("Herald:Smtp:BareLineFeed", "sometimes", "Herald:Smtp:BareLineFeed")]
    [InlineData("Herald:Dns:Servers:0", "dns.example", "Dns:Servers")]
    [InlineData("Herald:Greylisting:Delay", "-00:01:00", "Herald:Greylisting:Delay")]
    [InlineData("Herald:Cluster:Redis", "redis.example.org,bogus=1", "Herald:Cluster:Redis")]
    [InlineData("Herald:Admin:Endpoint", "localhost:9025", "Herald:Admin:Endpoint")]
    [InlineData("Herald:Admin:Enabled", "perhaps", "Herald:Admin:Enabled")]
    public void InvalidValues_AreReportedWithTheirKey(string key, string value, string named)
    {
        ConfigurationException error = Assert.Throws<ConfigurationException>(() => Load((key, value)));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static HeraldSettings Load(params (string Key, string Value)[] values) =>
        HeraldSettings.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());
}
