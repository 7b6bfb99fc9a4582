// The seam through which the delivery engine shows its per-destination state to `herald queue destinations`.
namespace Herald.Queue.Reports;

/// <summary>
/// What the outbound delivery engine knows about each destination host right now. Implemented by the
/// delivery engine; read by the control channel for <c>herald queue destinations</c>. Safe to call from any
/// thread: it returns a copy. In cluster mode it reads the hosts' shared records from Redis, hence async.
/// </summary>
public interface IDestinationSnapshot
{
    ValueTask<IReadOnlyList<DestinationStatus>> SnapshotAsync(CancellationToken cancellationToken);
}

/// <summary>One destination (a recipient domain or an MX host) as the delivery engine sees it.</summary>
/// <param name="Destination">The domain or host name.</param>
/// <param name="State">In the engine's words, e.g. "ok", "pushing back" (after a 421), "backing off".</param>
/// <param name="ActiveConnections">Connections open to it now.</param>
/// <param name="ConcurrencyLimit">Connections allowed at once now (lowered while it pushes back).</param>
/// <param name="ConsecutivePushBacks">421s and connection failures since its last success; the back-off doubles with each.</param>
/// <param name="BackoffUntil">No new connection before this time, when backing off.</param>
/// <param name="LastReply">The last reply it gave, as given.</param>
/// <param name="LastAttempt">When the last attempt ended.</param>
public sealed record DestinationStatus(
    string Destination,
    string State,
    int ActiveConnections,
    int ConcurrencyLimit,
    int ConsecutivePushBacks,
    DateTimeOffset? BackoffUntil,
    string? LastReply,
    DateTimeOffset? LastAttempt);
