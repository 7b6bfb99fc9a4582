// Cluster mode settings, bound from `Herald:Cluster`: which Redis, under which key prefix, as which instance.
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>
/// <c>Cluster</c>: with <see cref="Redis"/> set, rate counters, greylisting and destination state are kept
/// in that Redis and shared by every Herald instance pointed at it; empty (the default), each instance keeps
/// them itself (in memory and in <c>greylist.db</c>) and needs no server. The queue is always per instance.
/// </summary>
public sealed partial class ClusterOptions
{
    public const string SectionName = "Cluster";

    /// <summary>The default <see cref="KeyPrefix"/>.</summary>
    public const string DefaultKeyPrefix = "herald:";

    /// <summary>
    /// <c>Cluster:Redis</c>: a StackExchange.Redis configuration string, e.g.
    /// <c>redis.example.org:6379,password=secret,ssl=true</c>. Empty: no cluster.
    /// </summary>
    public string Redis { get; set; } = string.Empty;

    /// <summary><c>Cluster:KeyPrefix</c>: every key Herald writes starts with it, so one Redis can serve other uses too. Default <c>herald:</c>.</summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary><c>Cluster:InstanceName</c>: this instance's name in Redis (CLIENT LIST) and in log lines. Default: <c>Hostname</c>.</summary>
    public string? InstanceName { get; set; }

    public bool IsEnabled => !string.IsNullOrWhiteSpace(Redis);

    /// <summary>Checks the values and names the key of each one that is wrong.</summary>
    public IEnumerable<string> Validate()
    {
        if (!IsEnabled)
        {
            yield break;
        }

        string? redisError = null;
        try
        {
            ConfigurationOptions parsed = ConfigurationOptions.Parse(Redis);
            if (parsed.EndPoints.Count == 0)
            {
                redisError = "names no server";
            }
        }
        catch (ArgumentException e)
        {
            redisError = e.Message;
        }

        if (redisError is not null)
        {
            yield return $"Herald:Cluster:Redis: not a StackExchange.Redis configuration string ({redisError}); e.g. redis.example.org:6379,password=...";
        }

        if (string.IsNullOrEmpty(KeyPrefix) || KeyPrefix.Length > 100 || KeyPrefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            yield return $"Herald:Cluster:KeyPrefix: '{KeyPrefix}' must be 1 to 100 characters without spaces (e.g. {DefaultKeyPrefix}).";
        }

        if (InstanceName is not null && !InstanceNamePattern().IsMatch(InstanceName))
        {
            yield return $"Herald:Cluster:InstanceName: '{InstanceName}' must be 1 to 64 letters, digits, '.', '-' or '_' (Redis client names have no spaces).";
        }
    }

    /// <summary>
    /// The parsed <see cref="Redis"/> string with what cluster mode relies on: never give up connecting
    /// (start without Redis and reconnect in the background), and fail a command at once while
    /// disconnected instead of queueing it, so that a policy check answers 4xx rather than waiting.
    /// </summary>
    public ConfigurationOptions ToRedisConfiguration(string instanceName)
    {
        ConfigurationOptions configuration = ConfigurationOptions.Parse(Redis);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= instanceName;
        return configuration;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex InstanceNamePattern();
}
