// The bucket names the rate limits count under, and the synchronous acquire the connection path needs.
namespace Herald.Policy.Rates;

/// <summary>Bucket names, shared with any other store that keeps the same counters (they appear in its keys).</summary>
internal static class RateBuckets
{
    public const string Connections = "connections";
    public const string Messages = "messages";
    public const string Recipients = "recipients";
    public const string AuthFailures = "auth-failures";

    /// <summary>
    /// Acquires without awaiting, for callers that must answer synchronously (the accept path). The
    /// in-memory counter always completes at once, so this never blocks with it; a remote counter
    /// would block the calling thread for its round trip.
    /// </summary>
    public static RateDecision Acquire(this IRateCounter counter, string bucket, string key, int limit)
    {
        ValueTask<RateDecision> pending = counter.TryAcquireAsync(bucket, key, limit, RateLimitOptions.Window, CancellationToken.None);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }
}
