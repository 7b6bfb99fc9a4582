// Opens the cluster connection of a test to a real redis-server, under a key prefix of the test's own.
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Cluster.Tests;

internal static class RedisConnections
{
    public static Task<RedisConnection> OpenAsync(RedisServer server, string keyPrefix, ILoggerFactory? loggers = null, string instance = "test") =>
        RedisConnection.ConnectAsync(
            new ClusterOptions { Redis = server.Configuration, KeyPrefix = keyPrefix },
            instance,
            loggers ?? NullLoggerFactory.Instance);
}
