// Sliding-window event counters kept in this process, on a TimeProvider, with idle keys dropped.
using System.Collections.Concurrent;

namespace Herald.Policy.Rates;

/// <summary>
/// An exact sliding log per key: the timestamps of the events within the window, oldest first, in a
/// ring that grows with use up to the limit. Memory is therefore proportional to the events of the last
/// window, not to the limits configured, and a key whose newest event has left its window is dropped
/// on the next sweep (at most once a minute, driven by calls; there is no timer to stop).
/// </summary>
/// <remarks>
/// <para>Why not System.Threading.RateLimiting: its <c>SlidingWindowRateLimiter</c> measures elapsed
/// time with <c>Stopwatch</c> and has no <see cref="TimeProvider"/> (checked in version 11.0.0), so
/// tests could only drive it by sleeping; its window is also cut into segments, so it is approximate
/// at the edges; and a <c>PartitionedRateLimiter</c> keeps a limiter object per key with a timer.</para>
/// <para>The number of keys is bounded by <c>maxKeys</c>. When the table is full of active keys, a new
/// key is allowed without being counted: per-client limits cannot stop a client with more addresses
/// than the table holds, and refusing everyone new would turn a flood into an outage. The global
/// connection limit is the backstop there.</para>
/// </remarks>
public sealed class InMemoryRateCounter : IRateCounter
{
    /// <summary>Keys tracked at most, across all buckets, unless the constructor is told otherwise.</summary>
    public const int DefaultMaxKeys = 100_000;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FullTableSweepInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly int _maxKeys;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, SlidingLog>> _buckets = new(StringComparer.Ordinal);
    private int _keyCount;
    private int _sweeping;
    private long _lastSweep;

    public InMemoryRateCounter(TimeProvider time, int maxKeys = DefaultMaxKeys)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        _time = time;
        _maxKeys = maxKeys;
        _lastSweep = time.GetTimestamp();
    }

    /// <summary>Keys currently held, across all buckets.</summary>
    internal int TrackedKeys => Volatile.Read(ref _keyCount);

    /// <inheritdoc />
    public ValueTask<RateDecision> TryAcquireAsync(string bucket, string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        long now = _time.GetTimestamp();
        long windowTicks = ToTimestampTicks(window);
        if (Elapsed(now) >= SweepInterval)
        {
            Sweep(now);
        }

        ConcurrentDictionary<string, SlidingLog> keys =
            _buckets.GetOrAdd(bucket, static _ => new ConcurrentDictionary<string, SlidingLog>(StringComparer.Ordinal));
        while (true)
        {
            if (!keys.TryGetValue(key, out SlidingLog? log))
            {
                if (!TryReserveKey(now))
                {
                    return new ValueTask<RateDecision>(new RateDecision(IsAllowed: true, Count: 1, RetryAfter: TimeSpan.Zero));
                }

                log = new SlidingLog(Math.Min(limit, 4));
                if (!keys.TryAdd(key, log))
                {
                    Interlocked.Decrement(ref _keyCount);
                    continue;
                }
            }

            // False only when a sweep removed this log between the lookup and the lock: look again.
            if (log.TryAcquire(now, limit, windowTicks, out long retryTicks, out int count, out bool allowed))
            {
                TimeSpan retryAfter = allowed ? TimeSpan.Zero : ToTimeSpan(retryTicks);
                return new ValueTask<RateDecision>(new RateDecision(allowed, count, retryAfter));
            }
        }
    }

    private bool TryReserveKey(long now)
    {
        if (Interlocked.Increment(ref _keyCount) <= _maxKeys)
        {
            return true;
        }

        Interlocked.Decrement(ref _keyCount);

        // Full: drop the idle keys now, but not more often than once a second, so that a flood of
        // new addresses does not turn every call into a walk over the whole table.
        if (Elapsed(now) >= FullTableSweepInterval)
        {
            Sweep(now);
            if (Interlocked.Increment(ref _keyCount) <= _maxKeys)
            {
                return true;
            }

            Interlocked.Decrement(ref _keyCount);
        }

        return false;
    }

    private void Sweep(long now)
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            Volatile.Write(ref _lastSweep, now);
            foreach (ConcurrentDictionary<string, SlidingLog> keys in _buckets.Values)
            {
                foreach (KeyValuePair<string, SlidingLog> entry in keys)
                {
                    if (entry.Value.TryRetireIfIdle(now) && keys.TryRemove(entry))
                    {
                        Interlocked.Decrement(ref _keyCount);
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private TimeSpan Elapsed(long now) => _time.GetElapsedTime(Volatile.Read(ref _lastSweep), now);

    private long ToTimestampTicks(TimeSpan span) =>
        (long)((Int128)span.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private TimeSpan ToTimeSpan(long timestampTicks) =>
        TimeSpan.FromTicks((long)((Int128)timestampTicks * TimeSpan.TicksPerSecond / _time.TimestampFrequency));

    /// <summary>The events of one key within its window, oldest at <c>_head</c>.</summary>
    private sealed class SlidingLog(int initialCapacity)
    {
        private long[] _stamps = new long[initialCapacity];
        private int _head;
        private int _count;
        private long _newest;

        // Until the first event, no sweep may take the log for idle.
        private long _window = long.MaxValue;
        private bool _retired;

        /// <returns>False when the log was retired by a sweep and must not be used.</returns>
        public bool TryAcquire(long now, int limit, long window, out long retryTicks, out int count, out bool allowed)
        {
            lock (this)
            {
                retryTicks = 0;
                if (_retired)
                {
                    count = 0;
                    allowed = false;
                    return false;
                }

                _window = window;
                Trim(now);
                if (_count >= limit)
                {
                    retryTicks = Math.Max(_stamps[_head] + window - now, 0);
                    count = _count;
                    allowed = false;
                    return true;
                }

                if (_count == _stamps.Length)
                {
                    Grow(limit);
                }

                _stamps[(_head + _count) % _stamps.Length] = now;
                _count++;
                _newest = now;
                count = _count;
                allowed = true;
                return true;
            }
        }

        /// <summary>Marks the log retired when every event has left the window; the caller then removes it.</summary>
        public bool TryRetireIfIdle(long now)
        {
            lock (this)
            {
                if (now - _newest < _window)
                {
                    return false;
                }

                _retired = true;
                return true;
            }
        }

        // An event at time t counts while now - t < window: the window is the last `window`, open at its old end.
        private void Trim(long now)
        {
            while (_count > 0 && now - _stamps[_head] >= _window)
            {
                _head = (_head + 1) % _stamps.Length;
                _count--;
            }
        }

        private void Grow(int limit)
        {
            var grown = new long[Math.Clamp(_stamps.Length * 2, 1, Math.Max(limit, 1))];
            for (int i = 0; i < _count; i++)
            {
                grown[i] = _stamps[(_head + i) % _stamps.Length];
            }

            _stamps = grown;
            _head = 0;
        }
    }
}
