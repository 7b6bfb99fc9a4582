// Refuses RCPT from a client that names recipients faster than RateLimits:RecipientsPerMinute.
using Herald.Policy.Rates;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>450 4.7.1 Error: too many recipients from &lt;ip&gt;</c> at RCPT; the session stays. Put it first
/// among the recipient checks so that every RCPT counts, including those later checks refuse: a
/// dictionary attack is mostly unknown users. Trusted clients are not counted. When the counter cannot
/// be asked (cluster mode, Redis unreachable): <c>451 4.3.0 &lt;rcpt&gt;: Temporary lookup failure</c>.
/// </summary>
public sealed class RecipientRateCheck : IRecipientCheck
{
    private readonly ClientRate _rate;

    public RecipientRateCheck(RateLimitOptions options, IRateCounter counter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counter);
        _rate = new ClientRate(RateBuckets.Recipients, options.RecipientsPerMinute, options.Ipv6PrefixLength, counter);
    }

    public string Name => "recipient-rate";

    public async ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.IsTrusted)
        {
            return PolicyDecision.DontKnow;
        }

        return await _rate.CountAsync(client.Address, cancellationToken).ConfigureAwait(false) switch
        {
            RateOutcome.OverLimit => PolicyDecision.Reject(SmtpReplies.TooManyRecipientsFromClient.Render(ClientKey.Display(client.Address)), Name),
            RateOutcome.Unavailable => PolicyDecision.Reject(SmtpReplies.TemporaryLookupFailure.Render($"<{recipient}>"), Name),
            _ => PolicyDecision.DontKnow,
        };
    }
}
