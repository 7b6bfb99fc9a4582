// The seam for event counters over a sliding time window: in this process, or shared by a cluster in Redis.
namespace Herald.Policy.Rates;

/// <summary>
/// Counts events per key over a sliding window, as Postfix's anvil(8) counts connections, messages
/// and recipients per client. <see cref="InMemoryRateCounter"/> counts for one process; in cluster mode
/// (<c>Cluster:Redis</c>) Herald.Cluster's <c>RedisRateCounter</c> keeps one Redis sorted set per
/// bucket and key (one member per event, trimmed by score), so a client is counted across every
/// instance. Every argument is plain data so that both implement it exactly alike.
/// </summary>
public interface IRateCounter
{
    /// <summary>
    /// Records one event for <paramref name="key"/> in <paramref name="bucket"/> unless
    /// <paramref name="limit"/> events already fall within the last <paramref name="window"/>.
    /// A refused event is not recorded, so a client that keeps knocking gets in again as soon as its
    /// oldest counted event leaves the window.
    /// </summary>
    /// <param name="bucket">What is counted ("connections", "messages", ...): keys of different buckets never mix.</param>
    /// <param name="key">Who is counted, usually a client address.</param>
    /// <param name="limit">The most events allowed within <paramref name="window"/>; at least 1.</param>
    /// <remarks>An in-memory implementation completes synchronously and does not allocate for a key it already tracks.</remarks>
    /// <exception cref="RateCounterUnavailableException">A shared store could not be asked; nothing was counted.</exception>
    ValueTask<RateDecision> TryAcquireAsync(string bucket, string key, int limit, TimeSpan window, CancellationToken cancellationToken);
}

/// <summary>The answer of <see cref="IRateCounter.TryAcquireAsync"/>.</summary>
/// <param name="IsAllowed">The event was within the limit and has been counted.</param>
/// <param name="Count">Events counted within the window, this one included when it was allowed.</param>
/// <param name="RetryAfter">For a refusal, how long until the oldest counted event leaves the window; zero when allowed.</param>
public readonly record struct RateDecision(bool IsAllowed, int Count, TimeSpan RetryAfter);
