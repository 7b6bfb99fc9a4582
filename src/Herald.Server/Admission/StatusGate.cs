// Refuses new connections while the server drains for shutdown or is in maintenance.
using System.Net;
using Herald.Protocol.Replies;

namespace Herald.Server.Admission;

/// <summary><c>421 4.3.2</c> while draining (shutting down) or in maintenance mode.</summary>
public sealed class StatusGate(ServerStatus status, string hostname) : IConnectionGate
{
    public ValueTask<AdmissionRefusal?> AdmitAsync(IPAddress client, ConnectionRegistry registry, CancellationToken cancellationToken) =>
        ValueTask.FromResult(
            status.Draining ? new AdmissionRefusal(SmtpReplies.ShuttingDown.Render(hostname), "drain")
            : status.Maintenance ? new AdmissionRefusal(status.MaintenanceReply(hostname), "maintenance")
            : null);
}
