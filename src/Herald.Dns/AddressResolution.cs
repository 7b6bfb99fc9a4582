// What an A/AAAA lookup of a host found.
using System.Net;

namespace Herald.Dns;

/// <summary>
/// The outcome of resolving a host's addresses. Exactly one of <see cref="Found"/>,
/// <see cref="NoSuchHost"/> or <see cref="TemporaryFailure"/>.
/// </summary>
public abstract record AddressResolution
{
    private AddressResolution()
    {
    }

    /// <summary>
    /// The host's addresses: IPv6 (AAAA) first, then IPv4 (A), each in the order the DNS
    /// gave them. The caller filters by <see cref="System.Net.Sockets.AddressFamily"/> where a
    /// family is not reachable.
    /// </summary>
    public sealed record Found(IReadOnlyList<IPAddress> Addresses) : AddressResolution;

    /// <summary>The host has no address: NXDOMAIN, no A/AAAA records, or an invalid name.</summary>
    public sealed record NoSuchHost(NoSuchDomainReason Reason) : AddressResolution;

    /// <summary>DNS could not answer now; <see cref="Reason"/> is a short text for logs.</summary>
    public sealed record TemporaryFailure(string Reason) : AddressResolution;
}
