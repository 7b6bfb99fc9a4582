// Refuses a client that opens connections faster than RateLimits:ConnectionsPerMinute.
using System.Net;
using Herald.Protocol.Replies;

namespace Herald.Policy.Rates;

/// <summary>
/// The connection rate limit, asked once per accepted connection before any session exists:
/// <c>421 4.7.0 &lt;host&gt; Error: too many connections from &lt;ip&gt;</c> (reply contract, opening the
/// session). Every admitted connection counts, whether or not the session goes on to send mail, as
/// Postfix's smtpd_client_connection_rate_limit does. With the in-memory counter the check completes
/// synchronously; a shared (Redis) counter costs one round trip on the accept path.
/// </summary>
/// <remarks>
/// When the counter cannot be asked (<see cref="RateCounterUnavailableException"/>), the connection gets
/// <c>421 4.3.0</c> (<see cref="SmtpReplies.LookupFailureClosing"/>): a client that cannot be counted is
/// not admitted, and its MTA retries later, so nothing is lost.
/// </remarks>
public sealed class ConnectionRateLimiter
{
    private readonly ClientRate _rate;
    private readonly NetworkList _trustedNetworks;
    private readonly string _hostname;

    /// <param name="trustedNetworks">Clients never limited: <c>TrustedNetworks</c>.</param>
    /// <param name="hostname">The server's name, first in the reply.</param>
    public ConnectionRateLimiter(RateLimitOptions options, NetworkList trustedNetworks, IRateCounter counter, string hostname)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trustedNetworks);
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        _rate = new ClientRate(RateBuckets.Connections, options.ConnectionsPerMinute, options.Ipv6PrefixLength, counter);
        _trustedNetworks = trustedNetworks;
        _hostname = hostname;
    }

    /// <summary>The policy name for the log line of a refusal.</summary>
    public const string Name = "connection-rate";

    /// <summary>Counts this connection; null to admit it, otherwise the reply to send before closing.</summary>
    public async ValueTask<SmtpReply?> CheckAsync(IPAddress client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_trustedNetworks.Contains(client))
        {
            return null;
        }

        return await _rate.CountAsync(client, cancellationToken).ConfigureAwait(false) switch
        {
            RateOutcome.OverLimit => SmtpReplies.TooManyConnectionsFromClient.Render(_hostname, ClientKey.Display(client)),
            RateOutcome.Unavailable => SmtpReplies.LookupFailureClosing.Render(_hostname),
            _ => null,
        };
    }
}
