// Refuses MAIL from a client that starts messages faster than RateLimits:MessagesPerMinute.
using Herald.Policy.Rates;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>450 4.7.1 Error: too much mail from &lt;ip&gt;</c> at MAIL; the session stays (reply contract). Each
/// MAIL command counts as one message, refused or not by later checks, as Postfix's
/// smtpd_client_message_rate_limit counts delivery requests. Trusted clients are not counted. When the
/// counter cannot be asked (cluster mode, Redis unreachable): <c>451 4.3.0 &lt;sender&gt;: Temporary lookup
/// failure</c>, so that nothing uncounted gets in and the sender retries.
/// </summary>
public sealed class MessageRateCheck : ISenderCheck
{
    private readonly ClientRate _rate;

    public MessageRateCheck(RateLimitOptions options, IRateCounter counter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counter);
        _rate = new ClientRate(RateBuckets.Messages, options.MessagesPerMinute, options.Ipv6PrefixLength, counter);
    }

    public string Name => "message-rate";

    public async ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.IsTrusted)
        {
            return PolicyDecision.DontKnow;
        }

        return await _rate.CountAsync(client.Address, cancellationToken).ConfigureAwait(false) switch
        {
            RateOutcome.OverLimit => PolicyDecision.Reject(SmtpReplies.TooMuchMail.Render(ClientKey.Display(client.Address)), Name),
            RateOutcome.Unavailable => PolicyDecision.Reject(SmtpReplies.TemporaryLookupFailure.Render($"<{sender}>"), Name),
            _ => PolicyDecision.DontKnow,
        };
    }
}
