// Refuses connections over Limits:MaxConnections and Limits:MaxConnectionsPerIp before any session exists.
using System.Net;
using Herald.Protocol.Replies;

namespace Herald.Server.Admission;

/// <summary>
/// <c>421 4.3.2</c> when the server already holds <c>MaxConnections</c> sessions; <c>421 4.7.0</c> when this
/// client address holds <c>MaxConnectionsPerIp</c>. Trusted networks are not exempt from the total (it
/// protects the machine) but are from the per-address limit (a trusted relay may open many). With
/// <paramref name="pressure"/>, a full server first closes its idlest session to make room.
/// </summary>
public sealed class ConnectionLimitGate(LimitOptions limits, string hostname, Func<IPAddress, bool> isTrusted, SlotPressure? pressure = null) : IConnectionGate
{
    public ValueTask<AdmissionRefusal?> AdmitAsync(IPAddress client, ConnectionRegistry registry, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Admit(client, registry));

    private AdmissionRefusal? Admit(IPAddress client, ConnectionRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (limits.MaxConnections > 0 && registry.Count >= limits.MaxConnections && pressure?.TryEvictIdlest() != true)
        {
            return new(SmtpReplies.TooManyConnections.Render(hostname), "max-connections");
        }

        if (limits.MaxConnectionsPerIp > 0 && registry.CountFrom(client) >= limits.MaxConnectionsPerIp && !isTrusted(client))
        {
            IPAddress shown = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
            return new(SmtpReplies.TooManyConnectionsFromClient.Render(hostname, shown), "max-connections-per-ip");
        }

        return null;
    }
}
