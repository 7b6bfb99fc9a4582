// A counter whose shared store is down: every acquire fails as a Redis counter's does when Redis is unreachable.
using Herald.Policy.Rates;

namespace Herald.Policy.Tests.Rates;

internal sealed class UnavailableRateCounter : IRateCounter
{
    public ValueTask<RateDecision> TryAcquireAsync(string bucket, string key, int limit, TimeSpan window, CancellationToken cancellationToken) =>
        ValueTask.FromException<RateDecision>(new RateCounterUnavailableException("the store is unreachable"));
}
