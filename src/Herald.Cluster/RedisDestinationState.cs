// Destination state shared by a cluster: each host's record in Redis, the connection slots with each instance.
using Herald.Delivery.Outbound.Destinations;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>
/// <see cref="IDestinationState"/> for a cluster. What a host did is shared: its <see cref="DestinationRecord"/>
/// (concurrency limit, consecutive push-backs, suspension, last reply) is a Redis hash, updated with the same
/// rule as in memory (<see cref="DestinationRecord.After"/>) under optimistic concurrency, so a host that
/// answered 421 to one instance is backed off by every instance. A push-back is also published, so that
/// deliveries already waiting for a slot on other instances are told at once.
/// </summary>
/// <remarks>
/// <para>Connection slots stay with each instance (an <see cref="InMemoryDestinationState"/> that adopts the
/// shared record): each instance opens at most the shared limit on its own. Counting slots in Redis would
/// need leases renewed by a heartbeat and reclaimed after a crash, and every connection would wait on Redis;
/// per-instance slots cannot leak when an instance dies, and the halving that matters, after a push-back,
/// still reaches every instance. A host may therefore see up to instances × limit connections.</para>
/// <para>When Redis cannot be asked, the instance goes on with its own view: it reads the last record it
/// adopted and applies events locally, so outbound mail keeps flowing and still backs off hosts that push
/// back against this instance; one line is logged when Redis is lost and one when it is back. Records
/// expire a day after their last event (or after the suspension, if later): a host not heard of for a day
/// starts afresh.</para>
/// </remarks>
public sealed class RedisDestinationState : IDestinationState, IDisposable
{
    /// <summary>How long a host's record is kept after its last event or the end of its suspension.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    // Versions remembered at most; past it they are forgotten at once, at worst letting one stale read through.
    private const int MaxRemembered = 10_000;

    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private readonly InMemoryDestinationState _local;
    private readonly StoreOutage _outage;
    private readonly ILogger _logger;
    private readonly Action<RedisChannel, RedisValue> _onPushBack;

    // The version of the record last adopted per host: a read that raced with a newer write must not undo it.
    private readonly Dictionary<string, long> _adopted = new(StringComparer.Ordinal);
    private readonly Lock _adoptGate = new();

    public RedisDestinationState(RedisConnection redis, int maxConcurrency, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(time);
        _redis = redis;
        _time = time;
        _local = new InMemoryDestinationState(maxConcurrency, time);
        _logger = redis.Loggers.CreateLogger<RedisDestinationState>();
        _outage = new StoreOutage(_logger, "destination state", "outbound backs off on this instance's own view until it is back");
        _onPushBack = (channel, host) => _ = RefreshAsync(host.ToString());
        try
        {
            redis.Subscriber.Subscribe(redis.Keys.DestinationPushBacks, _onPushBack);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Waiters here then learn of other instances' push-backs at their next acquire instead.
            _logger.LogWarning("cluster: not subscribed to push-backs of other instances ({Reason})", e.Message);
        }
    }

    public async ValueTask<DestinationLease> AcquireAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        await RefreshAsync(host, cancellationToken).ConfigureAwait(false);
        return await _local.AcquireAsync(host, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<DateTimeOffset?> SuspendedUntilAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        await RefreshAsync(host, cancellationToken).ConfigureAwait(false);
        return await _local.SuspendedUntilAsync(host, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ReportAsync(string host, DestinationEvent kind, string reply, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        string name = host.ToLowerInvariant();
        DateTimeOffset now = _time.GetUtcNow();
        (DestinationRecord Value, long Version) record;
        try
        {
            record = await OptimisticHash.UpdateAsync(
                _redis.Database,
                _redis.Keys.Destination(name),
                DestinationRecordHash.Instance,
                current => (current ?? DestinationRecord.Fresh(name, _local.MaxConcurrency)).After(kind, reply, now, _local.MaxConcurrency),
                next => Lifetime(next, now),
                (transaction, next) =>
                {
                    _ = transaction.SortedSetAddAsync(_redis.Keys.DestinationIndex, name, now.ToUnixTimeMilliseconds());
                    _ = transaction.SortedSetRemoveRangeByScoreAsync(_redis.Keys.DestinationIndex, double.NegativeInfinity, (now - Retention).ToUnixTimeMilliseconds());
                },
                cancellationToken).ConfigureAwait(false);
            if (kind == DestinationEvent.PushBack)
            {
                await _redis.Subscriber.PublishAsync(_redis.Keys.DestinationPushBacks, name).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidDataException)
        {
            _outage.Failed(e);
            await _local.ReportAsync(name, kind, reply, cancellationToken).ConfigureAwait(false);
            return;
        }

        _outage.Succeeded();
        AdoptIfNewer(record.Value, record.Version);
    }

    /// <summary>Every host of the cluster's records, with the connections this instance has open to each.</summary>
    public async ValueTask<IReadOnlyList<DestinationSnapshot>> SnapshotAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<DestinationSnapshot> local = await _local.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<DestinationRecord> shared;
        try
        {
            shared = await ReadAllAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidDataException)
        {
            _outage.Failed(e);
            return local;
        }

        _outage.Succeeded();
        DateTimeOffset now = _time.GetUtcNow();
        var hosts = local.ToDictionary(h => h.Host, StringComparer.Ordinal);
        foreach (DestinationRecord record in shared)
        {
            int connections = hosts.TryGetValue(record.Host, out DestinationSnapshot? mine) ? mine.Connections : 0;
            hosts[record.Host] = DestinationSnapshot.Of(record, connections, _local.MaxConcurrency, now);
        }

        return [.. hosts.Values.OrderBy(h => h.Host, StringComparer.Ordinal)];
    }

    public void Dispose()
    {
        try
        {
            _redis.Subscriber.Unsubscribe(_redis.Keys.DestinationPushBacks, _onPushBack);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Nothing to undo on a connection that is gone.
        }
    }

    /// <summary>Kept a day past the last event, or past the end of the suspension when that is later.</summary>
    private static TimeSpan Lifetime(DestinationRecord record, DateTimeOffset now) =>
        (record.SuspendedUntil is { } until && until > now ? until - now : TimeSpan.Zero) + Retention;

    /// <summary>Adopts the shared record of <paramref name="host"/>; without Redis, keeps this instance's own.</summary>
    private async Task RefreshAsync(string host, CancellationToken cancellationToken = default)
    {
        HashEntry[] fields;
        try
        {
            fields = await _redis.Database.HashGetAllAsync(_redis.Keys.Destination(host.ToLowerInvariant())).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (fields.Length > 0)
            {
                AdoptIfNewer(DestinationRecordHash.Instance.Read(fields), OptimisticHash.VersionOf(fields));
            }
            else
            {
                Forget(host.ToLowerInvariant());
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidDataException)
        {
            _outage.Failed(e);
            return;
        }

        _outage.Succeeded();
    }

    private void AdoptIfNewer(DestinationRecord record, long version)
    {
        lock (_adoptGate)
        {
            if (_adopted.TryGetValue(record.Host, out long seen) && seen >= version)
            {
                return;
            }

            if (_adopted.Count >= MaxRemembered)
            {
                _adopted.Clear();
            }

            _adopted[record.Host] = version;
            _local.Adopt(record);
        }
    }

    /// <summary>The record expired in Redis: the next one written starts its versions again.</summary>
    private void Forget(string host)
    {
        lock (_adoptGate)
        {
            _adopted.Remove(host);
        }
    }

    private async Task<IReadOnlyList<DestinationRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        IDatabase database = _redis.Database;
        RedisValue[] hosts = await database.SortedSetRangeByRankAsync(_redis.Keys.DestinationIndex).WaitAsync(cancellationToken).ConfigureAwait(false);
        HashEntry[][] hashes = await Task.WhenAll(hosts.Select(h => database.HashGetAllAsync(_redis.Keys.Destination(h.ToString())))).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. hashes.Where(h => h.Length > 0).Select(DestinationRecordHash.Instance.Read)];
    }
}
