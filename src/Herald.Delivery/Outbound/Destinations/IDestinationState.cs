// The per-MX-host state shared by every queued message: how many connections, and whether the host is pushing back.
namespace Herald.Delivery.Outbound.Destinations;

/// <summary>What happened on a connection to a host, as far as the host's state is concerned.</summary>
public enum DestinationEvent
{
    /// <summary>A message was accepted: the host is healthy, so its back-off is reset.</summary>
    Success,

    /// <summary>
    /// The host pushed back: a 421 at any point (RFC 5321 §3.8), a refused or timed-out connection, or a
    /// connection dropped mid-session. Its concurrency is halved and it is suspended for a while.
    /// </summary>
    PushBack,

    /// <summary>Any other reply, kept only as the host's last reply.</summary>
    Reply,
}

/// <summary>
/// The state of each destination host (an MX host, or the smart host), shared by all deliveries so
/// that one host's trouble slows every message to it, not just one. <see cref="InMemoryDestinationState"/>
/// keeps it for one process; in cluster mode (<c>Cluster:Redis</c>) Herald.Cluster's
/// <c>RedisDestinationState</c> keeps each host's <see cref="DestinationRecord"/> in Redis, so a host
/// that pushed back against one instance is backed off by all of them, while the connection slots stay
/// with the process that holds them.
/// </summary>
public interface IDestinationState
{
    /// <summary>
    /// Takes a connection slot for <paramref name="host"/>, waiting while the host is at its concurrency
    /// limit. Returns a lease to dispose when the connection is no longer in use, or, when the host is
    /// suspended (now, or while waiting), no lease and the time the suspension ends.
    /// </summary>
    ValueTask<DestinationLease> AcquireAsync(string host, CancellationToken cancellationToken);

    /// <summary>When <paramref name="host"/> may be tried again, or null when it is not suspended.</summary>
    ValueTask<DateTimeOffset?> SuspendedUntilAsync(string host, CancellationToken cancellationToken);

    /// <summary>Records what a connection to <paramref name="host"/> met, with the reply as given (or our own words).</summary>
    ValueTask ReportAsync(string host, DestinationEvent kind, string reply, CancellationToken cancellationToken);

    /// <summary>A read-only picture of every known host, for <c>herald queue destinations</c>.</summary>
    ValueTask<IReadOnlyList<DestinationSnapshot>> SnapshotAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The result of <see cref="IDestinationState.AcquireAsync"/>: a held slot (dispose it to give it back),
/// or the end of a suspension when <see cref="IsAcquired"/> is false.
/// </summary>
public readonly struct DestinationLease : IDisposable
{
    private readonly Action? _release;

    private DestinationLease(Action? release, DateTimeOffset? suspendedUntil)
    {
        _release = release;
        SuspendedUntil = suspendedUntil;
    }

    public bool IsAcquired => _release is not null;

    /// <summary>When the host may be tried again; set only when no slot was acquired.</summary>
    public DateTimeOffset? SuspendedUntil { get; }

    public static DestinationLease Acquired(Action release)
    {
        ArgumentNullException.ThrowIfNull(release);
        return new DestinationLease(release, null);
    }

    public static DestinationLease Suspended(DateTimeOffset until) => new(null, until);

    public void Dispose() => _release?.Invoke();
}

/// <summary>One host in <see cref="IDestinationState.SnapshotAsync"/>.</summary>
/// <param name="Host">The MX host name (A-label, lower case) or the smart host.</param>
/// <param name="Connections">Connections in use now.</param>
/// <param name="ConcurrencyLimit">The most connections allowed now (halved by push-back, regained by success).</param>
/// <param name="MaxConcurrency">The configured limit, <c>Delivery:MaxConnectionsPerHost</c>.</param>
/// <param name="SuspendedUntil">When the host may be tried again; null when it is not suspended.</param>
/// <param name="ConsecutivePushBacks">Push-backs since the last success; the back-off doubles with each.</param>
/// <param name="LastReply">The last reply (or connection error) seen from the host.</param>
/// <param name="LastEventAt">When that was.</param>
public sealed record DestinationSnapshot(
    string Host,
    int Connections,
    int ConcurrencyLimit,
    int MaxConcurrency,
    DateTimeOffset? SuspendedUntil,
    int ConsecutivePushBacks,
    string? LastReply,
    DateTimeOffset? LastEventAt)
{
    /// <summary>A record as seen at <paramref name="now"/>, with the connections in use and the configured limit.</summary>
    public static DestinationSnapshot Of(DestinationRecord record, int connections, int maxConcurrency, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(
            record.Host,
            connections,
            Math.Min(record.ConcurrencyLimit, maxConcurrency),
            maxConcurrency,
            record.SuspendedAt(now),
            record.ConsecutivePushBacks,
            record.LastReply,
            record.LastEventAt);
    }

    /// <summary>Backing off while suspended; pushing back while its last push-backs are not yet undone by a success.</summary>
    public DestinationHealth Health =>
        SuspendedUntil is not null ? DestinationHealth.BackingOff
        : ConsecutivePushBacks > 0 ? DestinationHealth.PushingBack
        : DestinationHealth.Ok;
}

/// <summary>How a destination host stands with the delivery engine.</summary>
public enum DestinationHealth
{
    /// <summary>Taking mail; no push-back since its last success.</summary>
    Ok,

    /// <summary>It pushed back (421, refused or dropped connection) and has not taken a message since; its concurrency is lowered.</summary>
    PushingBack,

    /// <summary>Suspended: no new connection before its back-off ends.</summary>
    BackingOff,
}
