// Refuses MAIL from a client that starts messages faster than RateLimits:MessagesPerMinute.
using Herald.Policy.Rates;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>450 4.7.1 Error: too much mail from &lt;ip&gt;</c> at MAIL; the session stays (reply contract). Each
/// MAIL command counts as one message, refused or not by later checks, as Postfix's
/// smtpd_client_message_rate_limit counts delivery requests. Trusted clients are not counted.
/// </summary>
public sealed class MessageRateCheck : ISenderCheck
{
    private readonly int _limit;
    private readonly int _ipv6PrefixLength;
    private readonly IRateCounter _counter;

    public MessageRateCheck(RateLimitOptions options, IRateCounter counter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counter);
        _limit = options.MessagesPerMinute;
        _ipv6PrefixLength = options.Ipv6PrefixLength;
        _counter = counter;
    }

    public string Name => "message-rate";

    public async ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_limit == 0 || client.IsTrusted)
        {
            return PolicyDecision.DontKnow;
        }

        RateDecision decision = await _counter.TryAcquireAsync(
            RateBuckets.Messages, ClientKey.For(client.Address, _ipv6PrefixLength), _limit, RateLimitOptions.Window, cancellationToken).ConfigureAwait(false);
        return decision.IsAllowed
            ? PolicyDecision.DontKnow
            : PolicyDecision.Reject(SmtpReplies.TooMuchMail.Render(ClientKey.Display(client.Address)), Name);
    }
}
