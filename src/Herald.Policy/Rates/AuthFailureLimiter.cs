// Counts failed AUTH attempts per client so that password guessing ends the session.
using System.Net;

namespace Herald.Policy.Rates;

/// <summary>
/// <c>RateLimits:AuthFailuresPerMinute</c>. The AUTH command calls <see cref="RecordFailure"/> after each
/// <c>535 5.7.8</c>; when it returns true the session answers <c>421 4.7.0</c>
/// (<see cref="Protocol.Replies.SmtpReplies.TooManyAuthFailures"/>) and closes (reply contract: bad
/// credentials, too many). Counted per client across sessions, so reconnecting does not reset it.
/// </summary>
public sealed class AuthFailureLimiter
{
    private readonly int _limit;
    private readonly int _ipv6PrefixLength;
    private readonly NetworkList _trustedNetworks;
    private readonly IRateCounter _counter;

    public AuthFailureLimiter(RateLimitOptions options, NetworkList trustedNetworks, IRateCounter counter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trustedNetworks);
        ArgumentNullException.ThrowIfNull(counter);
        _limit = options.AuthFailuresPerMinute;
        _ipv6PrefixLength = options.Ipv6PrefixLength;
        _trustedNetworks = trustedNetworks;
        _counter = counter;
    }

    /// <summary>The policy name for the log line of a refusal.</summary>
    public const string Name = "auth-failure-rate";

    /// <summary>
    /// Records one failed authentication. True when the client has now failed more than the limit within
    /// the last minute: the first <c>AuthFailuresPerMinute</c> failures are tolerated, the next is not.
    /// </summary>
    public bool RecordFailure(IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_limit == 0 || _trustedNetworks.Contains(client))
        {
            return false;
        }

        return !_counter.Acquire(RateBuckets.AuthFailures, ClientKey.For(client, _ipv6PrefixLength), _limit).IsAllowed;
    }
}
