// The bounce generator's instruments: the delivery status notifications it queued, and the ones it may not send.
using System.Diagnostics.Metrics;
using Herald.Queue.Reports;

namespace Herald.Bounces;

/// <summary>The <c>Herald.Bounces</c> meter.</summary>
public sealed class BounceMetrics
{
    public const string MeterName = "Herald.Bounces";

    private readonly Counter<long> _queued;
    private readonly Counter<long> _suppressed;

    /// <param name="meterFactory">The host's factory; null for a meter of its own.</param>
    public BounceMetrics(IMeterFactory? meterFactory)
    {
        Meter meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _queued = meter.CreateCounter<long>(
            "herald.dsn.queued", "{report}",
            "Delivery status notifications queued, by RFC 3464 action (failed, delayed, delivered, relayed) and to whom (sender, postmaster).");
        _suppressed = meter.CreateCounter<long>(
            "herald.dsn.suppressed", "{report}",
            "Reports not sent because the message came from <> (a bounce is never bounced) and no postmaster copy is configured, by action.");
    }

    // Made on first use only: a host that passes its own factory never creates this second meter of the same name.
    private static readonly Lazy<BounceMetrics> Detached = new(() => new BounceMetrics(null));

    /// <summary>For components built without a host (tests, one-shot commands): a meter of its own, made once.</summary>
    internal static BounceMetrics Unexported => Detached.Value;

    internal void Queued(ReportAction action, bool toPostmaster) =>
        _queued.Add(1, Action(action), new KeyValuePair<string, object?>("to", toPostmaster ? "postmaster" : "sender"));

    internal void Suppressed(ReportAction action) => _suppressed.Add(1, Action(action));

    private static KeyValuePair<string, object?> Action(ReportAction action) => new("action", action switch
    {
        ReportAction.Failed => "failed",
        ReportAction.Delayed => "delayed",
        ReportAction.Relayed => "relayed",
        _ => "delivered",
    });
}
