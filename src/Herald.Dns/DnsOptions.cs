// Settings of the DNS resolver, bound from the "Dns" configuration section.
using System.Net;

namespace Herald.Dns;

/// <summary>
/// How Herald asks the DNS. Bind from configuration section <see cref="SectionName"/>, then
/// call <see cref="Validate"/> (the <see cref="DnsMxResolver"/> constructor does so too and
/// throws on the first problem).
/// </summary>
public sealed class DnsOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Dns";

    /// <summary>
    /// Recursive resolvers to ask, in order, as "ip", "ip:port" or "[ipv6]:port"
    /// (see <see cref="DnsServerEndpoint"/>). Empty: the system's resolvers from
    /// /etc/resolv.conf (or the network settings on other systems).
    /// </summary>
    public IList<string> Servers { get; } = new List<string>();

    /// <summary>
    /// How long to wait for one answer before retrying. Default 5 s, the glibc resolver's
    /// default (resolv.conf(5) "timeout").
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Further tries after a timeout, per server. Default 1, so two tries in all: the glibc
    /// resolver's default (resolv.conf(5) "attempts:2").
    /// </summary>
    public int Retries { get; set; } = 1;

    /// <summary>
    /// The longest time an answer is kept, whatever its TTL says. Default 1 hour: long enough
    /// to spare the resolver, short enough that a changed MX is noticed within a retry cycle.
    /// </summary>
    public TimeSpan MaxCacheTime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a failure (SERVFAIL, timeout) is remembered so that a burst of lookups for
    /// one broken domain does not wait out the timeout again and again. RFC 2308 §7.1 allows
    /// up to 5 minutes; the default is 5 s. Zero disables it.
    /// </summary>
    public TimeSpan FailureCacheTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most answers kept at once. Lookups of sender domains are driven by remote clients,
    /// so the cache must not grow without bound. Default 10,000.
    /// </summary>
    public int MaxCacheEntries { get; set; } = 10_000;

    /// <summary>Returns every problem with these options, each naming its setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var server in Servers)
        {
            if (!DnsServerEndpoint.TryParse(server, out _, out var error))
            {
                errors.Add(error);
            }
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromSeconds(60))
        {
            errors.Add($"Dns:Timeout: {Timeout} is outside 0 to 60 seconds.");
        }

        if (Retries is < 0 or > 10)
        {
            errors.Add($"Dns:Retries: {Retries} is outside 0 to 10.");
        }

        if (MaxCacheTime < TimeSpan.Zero)
        {
            errors.Add("Dns:MaxCacheTime: must not be negative.");
        }

        if (FailureCacheTime < TimeSpan.Zero || FailureCacheTime > TimeSpan.FromMinutes(5))
        {
            // RFC 2308 §7.1: a server failure MUST NOT be cached for longer than five minutes.
            errors.Add($"Dns:FailureCacheTime: {FailureCacheTime} is outside 0 to 5 minutes (RFC 2308 §7.1).");
        }

        if (MaxCacheEntries < 0)
        {
            errors.Add("Dns:MaxCacheEntries: must not be negative.");
        }

        return errors;
    }

    /// <summary>The parsed <see cref="Servers"/>; call after <see cref="Validate"/> found nothing.</summary>
    internal IReadOnlyList<IPEndPoint> ServerEndpoints() => Servers.Select(DnsServerEndpoint.Parse).ToList();
}
