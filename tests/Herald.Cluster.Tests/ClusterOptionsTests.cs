// Validation of Cluster:Redis, Cluster:KeyPrefix and Cluster:InstanceName, each message naming its key.
using StackExchange.Redis;

namespace Herald.Cluster.Tests;

public sealed class ClusterOptionsTests
{
    [Fact]
    public void Empty_IsNoCluster_AndValid()
    {
        var options = new ClusterOptions();

        Assert.False(options.IsEnabled);
        Assert.Empty(options.Validate());
        Assert.Equal("herald:", options.KeyPrefix);
    }

    [Theory]
    [InlineData("redis.example.org:6379")]
    [InlineData("10.0.0.5:6380,password=secret,ssl=true,abortConnect=true")]
    [InlineData("sentinel.example.org:26379,serviceName=mymaster")]
    public void ConfigurationStrings_OfStackExchangeRedis_AreAccepted(string redis)
    {
        Assert.Empty(new ClusterOptions { Redis = redis }.Validate());
    }

    [Theory]
    [InlineData("redis.example.org:6379,notAnOption=1")]
    [InlineData("password=secret")]
    public void BadConfigurationString_NamesTheKey(string redis)
    {
        string error = Assert.Single(new ClusterOptions { Redis = redis }.Validate());

        Assert.StartsWith("Herald:Cluster:Redis: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space:")]
    public void BadKeyPrefix_NamesTheKey(string prefix)
    {
        string error = Assert.Single(new ClusterOptions { Redis = "localhost:6379", KeyPrefix = prefix }.Validate());

        Assert.StartsWith("Herald:Cluster:KeyPrefix: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInstanceName_NamesTheKey()
    {
        string error = Assert.Single(new ClusterOptions { Redis = "localhost:6379", InstanceName = "mx 1" }.Validate());

        Assert.StartsWith("Herald:Cluster:InstanceName: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RedisConfiguration_NeverAbortsAtStartUp_AndFailsFastWhileDisconnected()
    {
        ConfigurationOptions configuration = new ClusterOptions { Redis = "localhost:6379,abortConnect=true" }.ToRedisConfiguration("mx1");

        Assert.False(configuration.AbortOnConnectFail);
        Assert.False(configuration.BacklogPolicy.QueueWhileDisconnected);
        Assert.Equal("mx1", configuration.ClientName);
    }
}
