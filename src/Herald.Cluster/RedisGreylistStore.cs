// Greylisting triplets in Redis, one hash per triplet with a TTL, so a triplet greylisted by one instance passes another.
using Herald.Policy.Greylisting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>
/// <see cref="IGreylistStore"/> shared by a cluster, with the semantics of <see cref="SqliteGreylistStore"/>
/// (one contract test suite runs against both). Each triplet is a hash (see <see cref="GreylistEntryHash"/>)
/// that expires by TTL when the entry does; a sorted set indexes the entries by expiry for listing and
/// purging. Updates are optimistic (<see cref="OptimisticHash"/>): the pure update is retried when another
/// instance wrote the triplet in between. As with the SQLite file, expired entries are purged when a store
/// is first used and then at most hourly during updates; in Redis the TTL usually gets there first.
/// </summary>
/// <remarks>
/// Expiry times and TTLs come from the injected <see cref="TimeProvider"/>: instances must keep their
/// clocks in sync (NTP). Redis failures surface as <see cref="GreylistStoreException"/>, which the
/// greylisting check answers by letting the mail through, as it does when greylist.db fails.
/// </remarks>
public sealed class RedisGreylistStore : IGreylistStore
{
    private const int PurgeBatch = 500;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan ShortestLifetime = TimeSpan.FromSeconds(1);

    // KEYS[1]: the index; ARGV: score bound (exclusive, or "+inf"), entry key prefix, batch size. Deletes up
    // to one batch of entries below the bound, with their index members; returns { members, keys deleted }.
    private const string PurgeScript = """
        local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        local deleted = 0
        for _, member in ipairs(members) do
          deleted = deleted + redis.call('DEL', ARGV[2] .. member)
          redis.call('ZREM', KEYS[1], member)
        end
        return { #members, deleted }
        """;

    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private readonly StoreOutage _outage;
    private long _nextPurgeTicks = DateTimeOffset.MinValue.UtcTicks;

    public RedisGreylistStore(RedisConnection redis, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(time);
        _redis = redis;
        _time = time;
        _outage = new StoreOutage(
            redis.Loggers.CreateLogger<RedisGreylistStore>(), "greylisting", "mail is not greylisted until it is back");
    }

    /// <inheritdoc />
    public ValueTask<GreylistEntry> UpdateAsync(GreylistTriplet triplet, Func<GreylistEntry?, GreylistEntry> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(triplet);
        ArgumentNullException.ThrowIfNull(update);
        return RunAsync(async () =>
        {
            await PurgeIfDueAsync(cancellationToken).ConfigureAwait(false);
            string member = Member(triplet);
            (GreylistEntry stored, _) = await OptimisticHash.UpdateAsync(
                _redis.Database,
                _redis.Keys.GreylistEntryPrefix + member,
                GreylistEntryHash.Instance,
                current =>
                {
                    GreylistEntry next = update(current);
                    return next.Triplet == triplet ? next : throw new InvalidOperationException("A greylist update must keep the triplet it was given.");
                },
                next => Max(next.Expires - _time.GetUtcNow(), ShortestLifetime),
                (transaction, next) => _ = transaction.SortedSetAddAsync(_redis.Keys.GreylistIndex, member, next.Expires.ToUnixTimeMilliseconds()),
                cancellationToken).ConfigureAwait(false);
            return stored;
        });
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GreylistEntry>> ListAsync(CancellationToken cancellationToken) => RunAsync<IReadOnlyList<GreylistEntry>>(async () =>
    {
        await PurgeIfDueAsync(cancellationToken, onlyFirst: true).ConfigureAwait(false);
        IDatabase database = _redis.Database;
        RedisValue[] members = await database.SortedSetRangeByRankAsync(_redis.Keys.GreylistIndex).WaitAsync(cancellationToken).ConfigureAwait(false);
        Task<HashEntry[]>[] reads = [.. members.Select(m => database.HashGetAllAsync(_redis.Keys.GreylistEntryPrefix + m.ToString()))];
        HashEntry[][] hashes = await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false);

        var entries = new List<GreylistEntry>(members.Length);
        var gone = new List<RedisValue>();
        for (int i = 0; i < members.Length; i++)
        {
            if (hashes[i].Length == 0)
            {
                gone.Add(members[i]); // expired by TTL: the index forgets it too
            }
            else
            {
                entries.Add(GreylistEntryHash.Instance.Read(hashes[i]));
            }
        }

        if (gone.Count > 0)
        {
            await database.SortedSetRemoveAsync(_redis.Keys.GreylistIndex, [.. gone]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return [.. entries.OrderByDescending(e => e.LastSeen)];
    });

    /// <inheritdoc />
    public async ValueTask AllowAsync(GreylistTriplet triplet, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(triplet);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        DateTimeOffset now = _time.GetUtcNow();
        await UpdateAsync(triplet, current => GreylistRules.Allowed(current, triplet, now, lifetime), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<int> PurgeAsync(bool all, CancellationToken cancellationToken) =>
        RunAsync(() => PurgeBelowAsync(all ? "+inf" : "(" + _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken));

    private static string Member(GreylistTriplet triplet) => ClusterKeys.GreylistMember(triplet.ClientNetwork, triplet.Sender, triplet.Recipient);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Expired entries go when the store is first used, then at most hourly during updates, as in greylist.db.</summary>
    private async Task PurgeIfDueAsync(CancellationToken cancellationToken, bool onlyFirst = false)
    {
        long next = Interlocked.Read(ref _nextPurgeTicks);
        DateTimeOffset now = _time.GetUtcNow();
        if ((onlyFirst && next != DateTimeOffset.MinValue.UtcTicks) || now.UtcTicks < next
            || Interlocked.CompareExchange(ref _nextPurgeTicks, (now + PurgeInterval).UtcTicks, next) != next)
        {
            return;
        }

        await PurgeBelowAsync("(" + now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes, batch by batch, every entry whose expiry is below <paramref name="bound"/>; returns how many existed.</summary>
    private async Task<int> PurgeBelowAsync(string bound, CancellationToken cancellationToken)
    {
        int deleted = 0;
        while (true)
        {
            RedisResult reply = await _redis.Database.ScriptEvaluateAsync(
                PurgeScript, [_redis.Keys.GreylistIndex], [bound, _redis.Keys.GreylistEntryPrefix, PurgeBatch]).WaitAsync(cancellationToken).ConfigureAwait(false);
            long[] counts = (long[])reply!;
            deleted += (int)counts[1];
            if (counts[0] < PurgeBatch)
            {
                return deleted;
            }
        }
    }

    // Every Redis failure leaves as GreylistStoreException, the one kind the greylisting check knows to survive.
    private async ValueTask<T> RunAsync<T>(Func<Task<T>> action)
    {
        try
        {
            T result = await action().ConfigureAwait(false);
            _outage.Succeeded();
            return result;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidDataException)
        {
            _outage.Failed(e);
            throw new GreylistStoreException($"Greylist store in Redis at {_redis.Endpoints}: {e.Message}", e);
        }
    }
}
