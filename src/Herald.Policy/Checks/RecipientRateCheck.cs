// Refuses RCPT from a client that names recipients faster than RateLimits:RecipientsPerMinute.
using Herald.Policy.Rates;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>450 4.7.1 Error: too many recipients from &lt;ip&gt;</c> at RCPT; the session stays. Put it first
/// among the recipient checks so that every RCPT counts, including those later checks refuse: a
/// dictionary attack is mostly unknown users. Trusted clients are not counted.
/// </summary>
public sealed class RecipientRateCheck : IRecipientCheck
{
    private readonly int _limit;
    private readonly int _ipv6PrefixLength;
    private readonly IRateCounter _counter;

    public RecipientRateCheck(RateLimitOptions options, IRateCounter counter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counter);
        _limit = options.RecipientsPerMinute;
        _ipv6PrefixLength = options.Ipv6PrefixLength;
        _counter = counter;
    }

    public string Name => "recipient-rate";

    public async ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_limit == 0 || client.IsTrusted)
        {
            return PolicyDecision.DontKnow;
        }

        RateDecision decision = await _counter.TryAcquireAsync(
            RateBuckets.Recipients, ClientKey.For(client.Address, _ipv6PrefixLength), _limit, RateLimitOptions.Window, cancellationToken).ConfigureAwait(false);
        return decision.IsAllowed
            ? PolicyDecision.DontKnow
            : PolicyDecision.Reject(SmtpReplies.TooManyRecipientsFromClient.Render(ClientKey.Display(client.Address)), Name);
    }
}
