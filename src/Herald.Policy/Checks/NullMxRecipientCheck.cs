// Refuses RCPT for a relayed recipient whose domain publishes a null MX (RFC 7505).
using Herald.Dns;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>556 5.1.10 &lt;rcpt&gt;: Recipient address has null MX</c> (RFC 7505 §3 and §4.1, RFC 7504 §3 for
/// 556; reply contract): refused at RCPT rather than accepted and bounced from the queue. A DNS failure
/// refuses nothing: the recipient is accepted, and delivery defers it (4.4.3) and retries, so a relaying
/// client is never held up by a resolver that is down. With <c>Delivery:SmartHost</c> no lookup is made at
/// all: the smart host routes. It only concerns mail this server would relay: a non-local
/// recipient from a trusted or authenticated client. For anyone else it says "don't know", so that
/// the relay check refuses strangers with 554 5.7.1 without a DNS query made on their behalf.
/// </summary>
/// <remarks>
/// Put it before <see cref="RelayCheck"/>: that check permits relaying clients outright, and a
/// permit ends the list. A domain that does not exist is left to delivery, which bounces it with
/// 5.1.2 (reply contract, section 2).
/// </remarks>
public sealed class NullMxRecipientCheck(IMxResolver resolver, LocalDomains localDomains, bool usesSmartHost = false) : IRecipientCheck
{
    public string Name => "null-mx-recipient";

    public async ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(recipient);
        if (usesSmartHost || !(client.IsTrusted || client.IsAuthenticated) || recipient.IsAddressLiteral || localDomains.IsLocal(recipient))
        {
            return PolicyDecision.DontKnow;
        }

        MxResolution resolution = await resolver.ResolveMxAsync(recipient.Domain, cancellationToken).ConfigureAwait(false);
        return resolution is MxResolution.NullMx
            ? PolicyDecision.Reject(SmtpReplies.RecipientNullMx.Render($"<{recipient}>"), Name)
            : PolicyDecision.DontKnow;
    }
}
