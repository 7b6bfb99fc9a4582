// The delivery engines' instruments: each recipient's outcome where it is decided, and how the destinations stand.
using System.Diagnostics.Metrics;
using Herald.Delivery.Outbound.Destinations;

namespace Herald.Delivery;

/// <summary>Which engine delivered: Maildir here, or SMTP to another host.</summary>
public enum DeliveryTransport
{
    Local,
    Outbound,
}

/// <summary>What one delivery attempt did for one recipient.</summary>
public enum DeliveryOutcome
{
    /// <summary>Delivered: written to the Maildir, or taken by the next hop with 2xx.</summary>
    Sent,

    /// <summary>Not yet: a 4xx or no host reachable; retried on the schedule.</summary>
    Deferred,

    /// <summary>Given up on at once: a 5xx (or null MX, NXDOMAIN, an operator's bounce).</summary>
    Bounced,

    /// <summary>Given up on after <c>Delivery:MaxQueueLifetime</c> of deferrals (4.4.7).</summary>
    Expired,
}

/// <summary>
/// The <c>Herald.Delivery</c> meter: recipients by transport and outcome, and the destination hosts by how they
/// stand (the hosts pushing back are the ones telling us "421, not now").
/// </summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "Herald.Delivery";

    private static readonly string[] Transports = ["local", "outbound"];
    private static readonly string[] Outcomes = ["sent", "deferred", "bounced", "expired"];
    private readonly Counter<long> _recipients;

    /// <param name="meterFactory">The host's factory; null for a meter of its own.</param>
    /// <param name="destinations">The outbound engine's per-host state, observed by a gauge; null when there is none.</param>
    public DeliveryMetrics(IMeterFactory? meterFactory, IDestinationState? destinations = null)
    {
        Meter meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _recipients = meter.CreateCounter<long>(
            "herald.delivery.recipients", "{recipient}",
            "Delivery attempts per recipient, by transport (local, outbound) and outcome (sent, deferred, bounced, expired).");
        if (destinations is not null)
        {
            meter.CreateObservableGauge(
                "herald.delivery.destinations", () => ObserveDestinations(destinations), "{host}",
                "Destination hosts known to outbound delivery, by state: ok, pushing_back (421 or connection failures), backing_off (suspended).");
        }
    }

    // Made on first use only: a host that passes its own factory never creates this second meter of the same name.
    private static readonly Lazy<DeliveryMetrics> Detached = new(() => new DeliveryMetrics(null));

    /// <summary>For components built without a host (tests, one-shot commands): a meter of its own, made once.</summary>
    internal static DeliveryMetrics Unexported => Detached.Value;

    internal void Recipient(DeliveryTransport transport, DeliveryOutcome outcome) =>
        _recipients.Add(1, new KeyValuePair<string, object?>("transport", Transports[(int)transport]), new KeyValuePair<string, object?>("outcome", Outcomes[(int)outcome]));

    private static Measurement<int>[] ObserveDestinations(IDestinationState destinations)
    {
        // A gauge's callback is synchronous. The in-memory state answers at once; the Redis one (cluster mode) makes
        // one round trip per scrape, shows the cluster's view, and falls back to this instance's own when Redis is away.
        IReadOnlyList<DestinationSnapshot> hosts = destinations.SnapshotAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return
        [
            Count(hosts, DestinationHealth.Ok, "ok"),
            Count(hosts, DestinationHealth.PushingBack, "pushing_back"),
            Count(hosts, DestinationHealth.BackingOff, "backing_off"),
        ];
    }

    private static Measurement<int> Count(IReadOnlyList<DestinationSnapshot> hosts, DestinationHealth health, string state) =>
        new(hosts.Count(h => h.Health == health), new KeyValuePair<string, object?>("state", state));
}
