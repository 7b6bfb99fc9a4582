// The one connection to Redis an instance shares between its stores, with the start-up decision logged.
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>
/// Connects to <c>Cluster:Redis</c> once; the stores share it (StackExchange.Redis multiplexes one socket).
/// An unreachable Redis does not stop start-up: the instance starts, logs one line saying what that means,
/// and the client keeps reconnecting in the background. While Redis is away each store decides alone what
/// is safe (see docs/cluster.md): rate limits answer 4.3.0, greylisting lets mail through, outbound backs
/// off on this instance's own view.
/// </summary>
public sealed class RedisConnection : IDisposable, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _multiplexer;

    private RedisConnection(IConnectionMultiplexer multiplexer, ClusterKeys keys, string instanceName, string endpoints, ILoggerFactory loggers)
    {
        _multiplexer = multiplexer;
        Keys = keys;
        InstanceName = instanceName;
        Endpoints = endpoints;
        Loggers = loggers;
    }

    public ClusterKeys Keys { get; }

    public string InstanceName { get; }

    /// <summary>The servers of the configuration string, without its password: safe for log lines and messages.</summary>
    public string Endpoints { get; }

    public bool IsConnected => _multiplexer.IsConnected;

    public IDatabase Database => _multiplexer.GetDatabase();

    public ISubscriber Subscriber => _multiplexer.GetSubscriber();

    internal ILoggerFactory Loggers { get; }

    /// <param name="defaultInstanceName">The name when <c>Cluster:InstanceName</c> is not set, usually <c>Hostname</c>.</param>
    public static async Task<RedisConnection> ConnectAsync(ClusterOptions options, string defaultInstanceName, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        string instanceName = options.InstanceName ?? defaultInstanceName;
        ConfigurationOptions configuration = options.ToRedisConfiguration(instanceName);
        string endpoints = string.Join(", ", configuration.EndPoints.Select(EndPointCollection.ToString));
        ConnectionMultiplexer multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        var connection = new RedisConnection(multiplexer, new ClusterKeys(options.KeyPrefix), instanceName, endpoints, loggers);

        ILogger logger = loggers.CreateLogger("Herald.Cluster");
        if (multiplexer.IsConnected)
        {
            logger.LogInformation(
                "cluster: instance {Instance} shares rate limits, greylisting and destination state through Redis at {Endpoints}, keys under '{Prefix}'",
                instanceName, endpoints, options.KeyPrefix);
        }
        else
        {
            logger.LogWarning(
                "cluster: Redis at {Endpoints} is unreachable at start-up; starting anyway and reconnecting in the background. Until it answers, rate limits answer 4.3.0, greylisting lets mail through and outbound backs off on this instance's own view",
                endpoints);
        }

        return connection;
    }

    public void Dispose() => _multiplexer.Dispose();

    public ValueTask DisposeAsync() => _multiplexer.DisposeAsync();
}
