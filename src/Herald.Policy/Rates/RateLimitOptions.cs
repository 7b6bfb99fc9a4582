// Per-client rate limits in the manner of Postfix's anvil(8), bound from `Herald:RateLimits`.
namespace Herald.Policy.Rates;

/// <summary>
/// <c>RateLimits</c>: how many connections, messages, recipients and failed logins one client may
/// make per minute. 0 turns a limit off. Clients in <c>TrustedNetworks</c> are never limited. Postfix
/// ships every client rate limit off (smtpd_client_*_rate_limit = 0) because the right number depends
/// on the site; Herald does the same, except for failed logins.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>The window every limit is counted over.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>The largest value any limit accepts, to keep a typo from becoming "off" in disguise.</summary>
    public const int MaxLimit = 1_000_000;

    /// <summary><c>RateLimits:ConnectionsPerMinute</c>: new connections from one client; over it, <c>421 4.7.0</c>. Default 0 (off).</summary>
    public int ConnectionsPerMinute { get; set; }

    /// <summary><c>RateLimits:MessagesPerMinute</c>: MAIL commands from one client; over it, <c>450 4.7.1</c>. Default 0 (off).</summary>
    public int MessagesPerMinute { get; set; }

    /// <summary><c>RateLimits:RecipientsPerMinute</c>: RCPT commands from one client; over it, <c>450 4.7.1</c>. Default 0 (off).</summary>
    public int RecipientsPerMinute { get; set; }

    /// <summary>
    /// <c>RateLimits:AuthFailuresPerMinute</c>: failed AUTH attempts from one client; over it, <c>421 4.7.0</c>
    /// and the session closes. Default 10: password guessing is the one abuse a rate answers well, and
    /// someone who mistyped a password does not fail ten times in a minute.
    /// </summary>
    public int AuthFailuresPerMinute { get; set; } = 10;

    /// <summary>
    /// <c>RateLimits:Ipv6PrefixLength</c>: IPv6 clients are counted per network of this many bits.
    /// Default 84, Postfix's smtpd_client_ipv6_prefix_length: a host usually holds a whole /64.
    /// </summary>
    public int Ipv6PrefixLength { get; set; } = 84;

    /// <summary>
    /// <c>RateLimits:MaxTrackedClients</c>: clients counted at once (in memory). Default
    /// <see cref="InMemoryRateCounter.DefaultMaxKeys"/>.
    /// </summary>
    public int MaxTrackedClients { get; set; } = InMemoryRateCounter.DefaultMaxKeys;

    /// <summary>Checks the values and names the key of each one that is wrong.</summary>
    public IEnumerable<string> Validate()
    {
        foreach ((string name, int value) in new[]
        {
            (nameof(ConnectionsPerMinute), ConnectionsPerMinute),
            (nameof(MessagesPerMinute), MessagesPerMinute),
            (nameof(RecipientsPerMinute), RecipientsPerMinute),
            (nameof(AuthFailuresPerMinute), AuthFailuresPerMinute),
        })
        {
            if (value is < 0 or > MaxLimit)
            {
                yield return $"Herald:RateLimits:{name}: {value} must be between 0 (off) and {MaxLimit}.";
            }
        }

        // Below /32 the counting network would span whole providers; the cap keeps it at a site.
        if (Ipv6PrefixLength is < 32 or > 128)
        {
            yield return $"Herald:RateLimits:Ipv6PrefixLength: {Ipv6PrefixLength} must be between 32 and 128.";
        }

        if (MaxTrackedClients < 1)
        {
            yield return $"Herald:RateLimits:MaxTrackedClients: {MaxTrackedClients} must be at least 1.";
        }
    }
}
