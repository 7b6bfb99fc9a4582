// The queue's gauges: observed from the queue's folders when something reads them, never kept up to date by hand.
using System.Diagnostics.Metrics;

namespace Herald.Queue;

/// <summary>
/// The <c>Herald.Queue</c> meter: how many messages wait, per folder, and how long the oldest has waited.
/// Observable gauges, so the folders are counted only when an exporter collects (a scrape), not on every
/// message; a count kept in memory would drift from the files after a crash or an operator's <c>mv</c>.
/// </summary>
public sealed class QueueMetrics
{
    public const string MeterName = "Herald.Queue";

    /// <param name="meterFactory">The host's factory; null for a meter of its own.</param>
    public QueueMetrics(IMeterFactory? meterFactory, IQueueDepth queue, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(time);
        Meter meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        meter.CreateObservableGauge(
            "herald.queue.messages",
            () =>
            {
                QueueDepth depth = queue.Depth();
                return (Measurement<int>[])
                [
                    new(depth.Active, new KeyValuePair<string, object?>("state", "active")),
                    new(depth.Held, new KeyValuePair<string, object?>("state", "held")),
                    new(depth.Corrupt, new KeyValuePair<string, object?>("state", "corrupt")),
                ];
            },
            "{message}",
            "Messages in the queue: active (waiting for delivery), held, corrupt (set aside, never delivered).");
        meter.CreateObservableGauge(
            "herald.queue.oldest_message.age",
            () => queue.Depth().OldestArrival is DateTimeOffset oldest ? Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds) : 0,
            "s",
            "How long the oldest queued message has waited; 0 for an empty queue.");
    }
}
