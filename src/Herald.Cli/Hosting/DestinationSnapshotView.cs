// Shows the outbound engine's per-host state to `herald queue destinations`.
using Herald.Delivery.Outbound.Destinations;
using Herald.Queue.Reports;

namespace Herald.Cli.Hosting;

/// <summary>Adapts <see cref="IDestinationState"/> (Herald.Delivery) to the queue command's view (Herald.Queue).</summary>
internal sealed class DestinationSnapshotView(IDestinationState state) : IDestinationSnapshot
{
    public async ValueTask<IReadOnlyList<DestinationStatus>> SnapshotAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<DestinationSnapshot> hosts = await state.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        return [.. hosts.Select(h => new DestinationStatus(
            h.Host,
            h.SuspendedUntil is not null ? "backing off" : h.ConsecutivePushBacks > 0 ? "pushing back" : "ok",
            h.Connections,
            h.ConcurrencyLimit,
            h.ConsecutivePushBacks,
            h.SuspendedUntil,
            h.LastReply,
            h.LastEventAt))];
    }
}
