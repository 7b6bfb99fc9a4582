// Counts failed AUTH attempts per client so that password guessing ends the session.
using System.Net;
using Herald.Protocol.Replies;

namespace Herald.Policy.Rates;

/// <summary>
/// <c>RateLimits:AuthFailuresPerMinute</c>. The AUTH command calls <see cref="RecordFailureAsync"/> after each
/// <c>535 5.7.8</c>; when it returns a reply the session sends it and closes: <c>421 4.7.0</c>
/// (<see cref="SmtpReplies.TooManyAuthFailures"/>) over the limit (reply contract: bad credentials, too
/// many), or <c>421 4.3.0</c> (<see cref="SmtpReplies.LookupFailureClosing"/>) when a shared counter cannot
/// be asked, since failures that cannot be counted must not let guessing go on unmetered. Counted per
/// client across sessions, so reconnecting does not reset it.
/// </summary>
public sealed class AuthFailureLimiter
{
    private readonly ClientRate _rate;
    private readonly NetworkList _trustedNetworks;
    private readonly string _hostname;

    /// <param name="hostname">The server's name, first in the closing reply.</param>
    public AuthFailureLimiter(RateLimitOptions options, NetworkList trustedNetworks, IRateCounter counter, string hostname)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trustedNetworks);
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        _rate = new ClientRate(RateBuckets.AuthFailures, options.AuthFailuresPerMinute, options.Ipv6PrefixLength, counter);
        _trustedNetworks = trustedNetworks;
        _hostname = hostname;
    }

    /// <summary>The policy name for the log line of a refusal.</summary>
    public const string Name = "auth-failure-rate";

    /// <summary>
    /// Records one failed authentication. Null while the client is within the limit (the first
    /// <c>AuthFailuresPerMinute</c> failures within a minute are tolerated); otherwise the reply to close with.
    /// </summary>
    public async ValueTask<SmtpReply?> RecordFailureAsync(IPAddress client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_trustedNetworks.Contains(client))
        {
            return null;
        }

        return await _rate.CountAsync(client, cancellationToken).ConfigureAwait(false) switch
        {
            RateOutcome.OverLimit => SmtpReplies.TooManyAuthFailures.Render(_hostname),
            RateOutcome.Unavailable => SmtpReplies.LookupFailureClosing.Render(_hostname),
            _ => null,
        };
    }
}
