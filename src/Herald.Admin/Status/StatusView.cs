// The shape of /api/status: what an operator looks at first.
using Herald.Queue;

namespace Herald.Admin.Status;

/// <param name="State">As /readyz says it: starting, ready, maintenance, draining or not-listening.</param>
/// <param name="MaintenanceReply">While in maintenance, the 421 reply new connections and transactions get.</param>
/// <param name="Connections">SMTP sessions open now.</param>
internal sealed record StatusView(
    string Hostname,
    string Version,
    DateTimeOffset StartedAt,
    long UptimeSeconds,
    string State,
    bool Maintenance,
    string? MaintenanceReply,
    bool Draining,
    IReadOnlyList<ListenerView> Listeners,
    int Connections,
    QueueDepth Queue);

/// <param name="Endpoint">Where it is bound (the actual port when 0 was configured).</param>
/// <param name="AcceptsMail">False for a no-mail listener, which greets every client with 521.</param>
internal sealed record ListenerView(string Name, string Endpoint, bool AcceptsMail, bool ImplicitTls, bool RequireAuth);
