// Refuses new connections while the server drains for shutdown or is in maintenance.
using System.Net;
using Herald.Protocol.Replies;

namespace Herald.Server.Admission;

/// <summary><c>421 4.3.2</c> while draining (shutting down) or in maintenance mode.</summary>
public sealed class StatusGate(ServerStatus status, string hostname) : IConnectionGate
{
    public AdmissionRefusal? Admit(IPAddress client, ConnectionRegistry registry) =>
        status.Draining ? new(SmtpReplies.ShuttingDown.Render(hostname), "drain")
        : status.Maintenance ? new(status.MaintenanceReply(hostname), "maintenance")
        : null;
}
