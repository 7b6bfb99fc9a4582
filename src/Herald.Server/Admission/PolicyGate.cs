// Puts a policy connect check (resource pressure, connection rate) on the accept path.
using System.Net;
using Herald.Policy;

namespace Herald.Server.Admission;

/// <summary>Adapts a <see cref="ConnectCheck"/> of the receiving policy to an admission gate.</summary>
public sealed class PolicyGate(ConnectCheck check) : IConnectionGate
{
    public async ValueTask<AdmissionRefusal?> AdmitAsync(IPAddress client, ConnectionRegistry registry, CancellationToken cancellationToken) =>
        await check.CheckAsync(client, cancellationToken).ConfigureAwait(false) is { } reply ? new AdmissionRefusal(reply, check.Name) : null;
}
