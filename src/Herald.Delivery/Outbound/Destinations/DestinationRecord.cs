// What is remembered of one destination host, whoever keeps it: its limit, push-backs, suspension and last reply.
namespace Herald.Delivery.Outbound.Destinations;

/// <summary>
/// The part of a host's state that every delivery to it shares, and that a cluster shares through Redis:
/// connections in use are not in it (they belong to the process holding them). <see cref="After"/> is the
/// one rule for how an event changes it, pure, so that a store with optimistic concurrency may apply it
/// again after a conflict and every store changes records alike.
/// </summary>
/// <param name="Host">The MX host name (A-label, lower case) or the smart host.</param>
/// <param name="ConcurrencyLimit">Connections allowed at once now: halved by push-back, regained one per success.</param>
/// <param name="ConsecutivePushBacks">Push-backs since the last success; the back-off doubles with each.</param>
/// <param name="SuspendedUntil">No new connection before this time; null when never suspended or reset.</param>
/// <param name="LastReply">The last reply (or connection error) seen from the host.</param>
/// <param name="LastEventAt">When that was.</param>
public sealed record DestinationRecord(
    string Host,
    int ConcurrencyLimit,
    int ConsecutivePushBacks,
    DateTimeOffset? SuspendedUntil,
    string? LastReply,
    DateTimeOffset? LastEventAt)
{
    /// <summary>The first suspension after a push-back.</summary>
    public static readonly TimeSpan FirstSuspension = TimeSpan.FromMinutes(1);

    /// <summary>The longest suspension, however many push-backs in a row.</summary>
    public static readonly TimeSpan MaxSuspension = TimeSpan.FromHours(1);

    /// <summary>A host nothing is known of: the full configured concurrency, no back-off.</summary>
    public static DestinationRecord Fresh(string host, int maxConcurrency)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        return new(host.ToLowerInvariant(), maxConcurrency, 0, null, null, null);
    }

    /// <summary>
    /// The record after <paramref name="kind"/> at <paramref name="now"/>. A success resets the back-off and
    /// gives back one slot up to <paramref name="maxConcurrency"/>; a push-back halves the limit (at least 1)
    /// and suspends the host for <see cref="Backoff"/>; any other reply is only remembered.
    /// </summary>
    public DestinationRecord After(DestinationEvent kind, string reply, DateTimeOffset now, int maxConcurrency) => kind switch
    {
        DestinationEvent.Success => this with
        {
            ConsecutivePushBacks = 0,
            SuspendedUntil = null,
            ConcurrencyLimit = Math.Min(ConcurrencyLimit + 1, maxConcurrency),
            LastReply = reply,
            LastEventAt = now,
        },
        DestinationEvent.PushBack => this with
        {
            ConsecutivePushBacks = ConsecutivePushBacks + 1,
            ConcurrencyLimit = Math.Max(1, ConcurrencyLimit / 2),
            SuspendedUntil = now + Backoff(ConsecutivePushBacks + 1),
            LastReply = reply,
            LastEventAt = now,
        },
        _ => this with { LastReply = reply, LastEventAt = now },
    };

    /// <summary>The end of the suspension when it is still in force at <paramref name="now"/>, else null.</summary>
    public DateTimeOffset? SuspendedAt(DateTimeOffset now) => SuspendedUntil is { } until && until > now ? until : null;

    /// <summary>Nothing worth remembering: a host in this state may be forgotten and start afresh.</summary>
    public bool IsUnremarkable(int maxConcurrency) => ConsecutivePushBacks == 0 && ConcurrencyLimit >= maxConcurrency;

    /// <summary>One minute after the first push-back, doubling with each further one, at most an hour.</summary>
    public static TimeSpan Backoff(int consecutivePushBacks)
    {
        int doublings = Math.Clamp(consecutivePushBacks - 1, 0, 30);
        double minutes = FirstSuspension.TotalMinutes * Math.Pow(2, doublings);
        return minutes >= MaxSuspension.TotalMinutes ? MaxSuspension : TimeSpan.FromMinutes(minutes);
    }
}
