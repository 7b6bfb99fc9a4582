// The greylisting state machine: what a new attempt does to a triplet's entry.
namespace Herald.Policy.Greylisting;

/// <summary>
/// Pure rules, kept apart from any store so that every store applies the same ones.
/// <list type="bullet">
/// <item>No entry, or an expired one: a new round starts; refused for <c>Delay</c>.</item>
/// <item>Not passed, retried before <c>Delay</c>: still refused, for the time left.</item>
/// <item>Not passed, retried after <c>Delay</c> and within <c>RetryWindow</c> of the first attempt
/// (the entry's expiry): passed, and remembered for <c>Expiry</c>.</item>
/// <item>Passed and not expired: passes again, and is remembered for <c>Expiry</c> from now.</item>
/// </list>
/// </summary>
public sealed record GreylistRules(TimeSpan Delay, TimeSpan RetryWindow, TimeSpan Expiry)
{
    public static GreylistRules From(GreylistOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.Delay, options.RetryWindow, options.Expiry);
    }

    /// <summary>The entry after an attempt at <paramref name="now"/>.</summary>
    public GreylistEntry Next(GreylistEntry? entry, GreylistTriplet triplet, DateTimeOffset now)
    {
        if (entry is null || entry.IsExpired(now))
        {
            return new GreylistEntry(triplet, now, now, Passed: false, Expires: now + RetryWindow);
        }

        if (entry.Passed || now - entry.FirstSeen >= Delay)
        {
            return entry with { LastSeen = now, Passed = true, Expires = now + Expiry };
        }

        return entry with { LastSeen = now };
    }

    /// <summary>
    /// The entry after an operator's <c>herald greylist allow</c>: passed for <paramref name="lifetime"/> from
    /// <paramref name="now"/>; a triplet already waiting keeps its first attempt.
    /// </summary>
    public static GreylistEntry Allowed(GreylistEntry? entry, GreylistTriplet triplet, DateTimeOffset now, TimeSpan lifetime) =>
        entry is null || entry.IsExpired(now)
            ? new GreylistEntry(triplet, now, now, Passed: true, Expires: now + lifetime)
            : entry with { LastSeen = now, Passed = true, Expires = now + lifetime };

    /// <summary>How long a refused entry still has to wait, in whole seconds, at least 1 (the reply's N).</summary>
    public int SecondsLeft(GreylistEntry entry, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entry);
        double left = (entry.FirstSeen + Delay - now).TotalSeconds;
        return (int)Math.Max(1, Math.Ceiling(left));
    }
}
