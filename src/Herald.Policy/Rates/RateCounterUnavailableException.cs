// The one exception a rate counter throws when it cannot count (its shared store is unreachable).
namespace Herald.Policy.Rates;

/// <summary>
/// The counter could not say whether an event is within its limit: a shared store (Redis) did not
/// answer. The in-memory counter never throws it. A rate check that sees it refuses with a transient
/// reply (<c>4.3.0</c>, temporary lookup failure) rather than admit what it cannot count: the sender
/// keeps the message and retries, so nothing is lost and nothing over the limit gets in.
/// </summary>
public sealed class RateCounterUnavailableException : Exception
{
    public RateCounterUnavailableException()
    {
    }

    public RateCounterUnavailableException(string message)
        : base(message)
    {
    }

    public RateCounterUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
