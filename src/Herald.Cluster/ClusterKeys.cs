// The names of every Redis key and channel Herald uses, all under Cluster:KeyPrefix.
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>
/// One place for the key layout (docs/cluster.md lists it with each key's lifetime). Keys are built from
/// data (client keys, triplets, host names) and the prefix, never parsed back: every value a reader needs
/// is also stored inside the key's own fields.
/// </summary>
public sealed class ClusterKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>Sorted set of the events of one client key in one rate bucket, scored by time (ms).</summary>
    public RedisKey Rate(string bucket, string key) => $"{Prefix}rate:{bucket}:{key}";

    /// <summary>What every greylist entry key starts with; the rest is <see cref="GreylistMember"/>.</summary>
    public string GreylistEntryPrefix => $"{Prefix}greylist:entry:";

    /// <summary>Sorted set of every greylist entry (by <see cref="GreylistMember"/>), scored by its expiry (ms).</summary>
    public RedisKey GreylistIndex => $"{Prefix}greylist:expires";

    /// <summary>Hash of one destination host's record.</summary>
    public RedisKey Destination(string host) => $"{Prefix}destination:{host}";

    /// <summary>Sorted set of the destination hosts, scored by their last event (ms).</summary>
    public RedisKey DestinationIndex => $"{Prefix}destinations";

    /// <summary>Pub/sub channel on which a host that pushed back is named, so waiters on every instance learn of it.</summary>
    public RedisChannel DestinationPushBacks => RedisChannel.Literal($"{Prefix}destinations:push-back");

    /// <summary>
    /// A triplet as one string: its three parts joined by spaces, each with '\' written '\\' and a space
    /// '\s', so that quoted local parts holding spaces can never make two triplets read alike.
    /// </summary>
    public static string GreylistMember(string clientNetwork, string sender, string recipient) =>
        $"{Escape(clientNetwork)} {Escape(sender)} {Escape(recipient)}";

    private static string Escape(string part) => part.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(" ", "\\s", StringComparison.Ordinal);
}
