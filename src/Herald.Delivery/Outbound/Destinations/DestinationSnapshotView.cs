// Shows the outbound engine's per-host state to `herald queue destinations` and the admin API.
using Herald.Queue.Reports;

namespace Herald.Delivery.Outbound.Destinations;

/// <summary>Adapts <see cref="IDestinationState"/> (Herald.Delivery) to the queue command's view (Herald.Queue).</summary>
public sealed class DestinationSnapshotView(IDestinationState state) : IDestinationSnapshot
{
    public IReadOnlyList<DestinationStatus> Snapshot()
    {
        // The in-memory state answers synchronously; a shared (Redis) state would make this call async end to end.
        IReadOnlyList<DestinationSnapshot> hosts = state.SnapshotAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return [.. hosts.Select(h => new DestinationStatus(
            h.Host,
            h.Health switch
            {
                DestinationHealth.BackingOff => "backing off",
                DestinationHealth.PushingBack => "pushing back",
                _ => "ok",
            },
            h.Connections,
            h.ConcurrencyLimit,
            h.ConsecutivePushBacks,
            h.SuspendedUntil,
            h.LastReply,
            h.LastEventAt))];
    }
}
