// One per-client rate limit: counts an event of a client in its bucket and says what came of it.
using System.Net;

namespace Herald.Policy.Rates;

/// <summary>What counting one event gave.</summary>
internal enum RateOutcome
{
    /// <summary>Within the limit (or the limit is off); the event was counted.</summary>
    Allowed,

    /// <summary>Over the limit; the event was not counted.</summary>
    OverLimit,

    /// <summary>The counter could not be asked (a shared store is unreachable); nothing was counted.</summary>
    Unavailable,
}

/// <summary>
/// The part every rate limit shares: the client's counting key, the window, and turning a counter
/// failure into <see cref="RateOutcome.Unavailable"/> so that each limit answers it with its own reply.
/// Exemptions (trusted clients) stay with the callers, which know how the client is described.
/// </summary>
internal sealed class ClientRate(string bucket, int limit, int ipv6PrefixLength, IRateCounter counter)
{
    public async ValueTask<RateOutcome> CountAsync(IPAddress client, CancellationToken cancellationToken)
    {
        if (limit == 0)
        {
            return RateOutcome.Allowed;
        }

        try
        {
            RateDecision decision = await counter.TryAcquireAsync(
                bucket, ClientKey.For(client, ipv6PrefixLength), limit, RateLimitOptions.Window, cancellationToken).ConfigureAwait(false);
            return decision.IsAllowed ? RateOutcome.Allowed : RateOutcome.OverLimit;
        }
        catch (RateCounterUnavailableException)
        {
            return RateOutcome.Unavailable;
        }
    }
}
