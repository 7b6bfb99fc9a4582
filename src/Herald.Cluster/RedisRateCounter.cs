// Sliding-window rate counters in Redis, one sorted set per bucket and key, so every instance counts a client alike.
using System.Globalization;
using Herald.Policy.Rates;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>
/// <see cref="IRateCounter"/> shared by a cluster. Each bucket and key is a sorted set with one member per
/// counted event, scored by its time in Unix milliseconds; one Lua script trims the events that left the
/// window, counts the rest and adds the new one only when within the limit, atomically, so two instances
/// admitting the same client at once cannot both take the last slot. The key expires one window after its
/// last event, so idle clients cost nothing.
/// </summary>
/// <remarks>
/// Time is the injected <see cref="TimeProvider"/>'s, as for the in-memory counter (tests stay
/// deterministic). Instances therefore compare their own clocks: keep them in sync (NTP). A clock a few
/// seconds off shifts the window of that instance's events by as much, no more. When Redis cannot be asked
/// the call throws <see cref="RateCounterUnavailableException"/> and the rate checks answer 4.3.0.
/// </remarks>
public sealed class RedisRateCounter : IRateCounter
{
    // KEYS[1]: the set; ARGV: now (ms), window (ms), limit, a member unique to this event.
    // An event at time t counts while now - t < window, as in the in-memory counter.
    private const string AcquireScript = """
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local count = redis.call('ZCARD', KEYS[1])
        if count >= tonumber(ARGV[3]) then
          local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          return { 0, count, tonumber(oldest[2]) + window - now }
        end
        redis.call('ZADD', KEYS[1], now, ARGV[4])
        redis.call('PEXPIRE', KEYS[1], window)
        return { 1, count + 1, 0 }
        """;

    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private readonly StoreOutage _outage;

    // Members must differ between events of the same millisecond, on this instance and on others.
    private readonly string _instanceTag = Guid.NewGuid().ToString("N")[..12];
    private long _sequence;

    public RedisRateCounter(RedisConnection redis, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(time);
        _redis = redis;
        _time = time;
        _outage = new StoreOutage(
            redis.Loggers.CreateLogger<RedisRateCounter>(), "rate limits", "clients that a limit applies to get 4.3.0 until it is back");
    }

    /// <inheritdoc />
    public async ValueTask<RateDecision> TryAcquireAsync(string bucket, string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long windowMs = Math.Max(1, (long)Math.Ceiling(window.TotalMilliseconds));
        string member = string.Create(CultureInfo.InvariantCulture, $"{now}:{_instanceTag}:{Interlocked.Increment(ref _sequence)}");
        long[] result;
        try
        {
            RedisResult reply = await _redis.Database
                .ScriptEvaluateAsync(AcquireScript, [_redis.Keys.Rate(bucket, key)], [now, windowMs, limit, member])
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            result = (long[])reply!;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _outage.Failed(e);
            throw new RateCounterUnavailableException($"Rate counter in Redis at {_redis.Endpoints}: {e.Message}", e);
        }

        _outage.Succeeded();
        return result[0] == 1
            ? new RateDecision(IsAllowed: true, Count: (int)result[1], RetryAfter: TimeSpan.Zero)
            : new RateDecision(IsAllowed: false, Count: (int)result[1], RetryAfter: TimeSpan.FromMilliseconds(Math.Max(0, result[2])));
    }
}
