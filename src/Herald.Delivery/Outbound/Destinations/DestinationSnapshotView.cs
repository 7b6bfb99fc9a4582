// Shows the outbound engine's per-host state to `herald queue destinations` and the admin API.
using Herald.Queue.Reports;

namespace Herald.Delivery.Outbound.Destinations;

/// <summary>Adapts <see cref="IDestinationState"/> (Herald.Delivery) to the queue command's view (Herald.Queue).</summary>
public sealed class DestinationSnapshotView(IDestinationState state) : IDestinationSnapshot
{
    public async ValueTask<IReadOnlyList<DestinationStatus>> SnapshotAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<DestinationSnapshot> hosts = await state.SnapshotAsync(cancellationToken).ConfigureAwait(false);
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
