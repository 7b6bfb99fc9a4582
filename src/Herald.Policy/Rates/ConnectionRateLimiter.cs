// Refuses a client that opens connections faster than RateLimits:ConnectionsPerMinute.
using System.Net;
using Herald.Protocol.Replies;

namespace Herald.Policy.Rates;

/// <summary>
/// The connection rate limit, asked once per accepted connection before any session exists:
/// <c>421 4.7.0 &lt;host&gt; Error: too many connections from &lt;ip&gt;</c> (reply contract, opening the
/// session). Every admitted connection counts, whether or not the session goes on to send mail, as
/// Postfix's smtpd_client_connection_rate_limit does. Synchronous so that the server's connection gate
/// can call it; with the in-memory counter it neither blocks nor allocates beyond the counting key.
/// </summary>
public sealed class ConnectionRateLimiter
{
    private readonly int _limit;
    private readonly int _ipv6PrefixLength;
    private readonly NetworkList _trustedNetworks;
    private readonly IRateCounter _counter;
    private readonly string _hostname;

    /// <param name="trustedNetworks">Clients never limited: <c>TrustedNetworks</c>.</param>
    /// <param name="hostname">The server's name, first in the reply.</param>
    public ConnectionRateLimiter(RateLimitOptions options, NetworkList trustedNetworks, IRateCounter counter, string hostname)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trustedNetworks);
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        _limit = options.ConnectionsPerMinute;
        _ipv6PrefixLength = options.Ipv6PrefixLength;
        _trustedNetworks = trustedNetworks;
        _counter = counter;
        _hostname = hostname;
    }

    /// <summary>The policy name for the log line of a refusal.</summary>
    public const string Name = "connection-rate";

    /// <summary>Counts this connection; null to admit it, otherwise the reply to send before closing.</summary>
    public SmtpReply? Check(IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_limit == 0 || _trustedNetworks.Contains(client))
        {
            return null;
        }

        RateDecision decision = _counter.Acquire(RateBuckets.Connections, ClientKey.For(client, _ipv6PrefixLength), _limit);
        return decision.IsAllowed ? null : SmtpReplies.TooManyConnectionsFromClient.Render(_hostname, ClientKey.Display(client));
    }
}
