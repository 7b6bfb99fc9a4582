// The seam through which policy checks and the delivery engine learn where a domain's mail goes.
namespace Herald.Dns;

/// <summary>
/// Finds the mail exchangers of a domain (RFC 5321 §5.1) and the addresses of a host.
/// Implementations never throw for DNS failures: every outcome, including a timeout or a
/// SERVFAIL, is a value. Only cancellation by the caller's token surfaces as an exception.
/// </summary>
public interface IMxResolver
{
    /// <summary>
    /// Resolves the mail exchangers of <paramref name="domain"/> (a U-label or A-label name,
    /// with or without a trailing dot). Hosts come back sorted by preference, equal preferences
    /// in random order; a domain with no MX but with A/AAAA records gets one implicit MX.
    /// </summary>
    Task<MxResolution> ResolveMxAsync(string domain, CancellationToken cancellationToken);

    /// <summary>
    /// Resolves the IPv6 and IPv4 addresses of <paramref name="host"/>, typically an MX host
    /// from <see cref="ResolveMxAsync"/>.
    /// </summary>
    Task<AddressResolution> ResolveAddressesAsync(string host, CancellationToken cancellationToken);
}
