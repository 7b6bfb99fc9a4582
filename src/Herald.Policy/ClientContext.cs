// What the policy checks know about the client of a session.
using System.Net;

namespace Herald.Policy;

/// <summary>The client as the checks see it. The session updates it as HELO, TLS and AUTH happen.</summary>
public sealed class ClientContext
{
    public ClientContext(IPAddress address, bool isTrusted)
    {
        Address = address;
        IsTrusted = isTrusted;
    }

    public IPAddress Address { get; }

    /// <summary>The address is in <c>TrustedNetworks</c>: it may relay.</summary>
    public bool IsTrusted { get; }

    public string? HeloName { get; set; }

    /// <summary>The authenticated user name, or null.</summary>
    public string? AuthenticatedAs { get; set; }

    public bool IsAuthenticated => AuthenticatedAs is not null;
}
