// Refuses MAIL from a sender whose domain publishes a null MX (RFC 7505).
using Herald.Dns;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>550 5.7.27 &lt;sender&gt;: Sender address has null MX</c> (RFC 7505 §4.2; reply contract). A DNS
/// failure gives <c>451 4.4.3</c>, never a 5xx: a resolver's bad minute must not bounce real mail.
/// Anything else is not this check's business (don't know): the null sender, a domain that does not
/// exist, an address literal, a local domain, and trusted or authenticated clients, whose mail is ours.
/// Off with <c>Checks:RejectNullMxSender = false</c>.
/// </summary>
public sealed class NullMxSenderCheck : ISenderCheck
{
    private readonly bool _enabled;
    private readonly IMxResolver _resolver;
    private readonly LocalDomains _localDomains;

    public NullMxSenderCheck(CheckOptions options, IMxResolver resolver, LocalDomains localDomains)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(localDomains);
        _enabled = options.RejectNullMxSender;
        _resolver = resolver;
        _localDomains = localDomains;
    }

    public string Name => "null-mx-sender";

    public async ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!_enabled || sender is null || sender.IsAddressLiteral || client.IsTrusted || client.IsAuthenticated || _localDomains.IsLocal(sender))
        {
            return PolicyDecision.DontKnow;
        }

        MxResolution resolution = await _resolver.ResolveMxAsync(sender.Domain, cancellationToken).ConfigureAwait(false);
        return resolution switch
        {
            MxResolution.NullMx => PolicyDecision.Reject(SmtpReplies.SenderNullMx.Render($"<{sender}>"), Name),
            MxResolution.TemporaryFailure => PolicyDecision.Reject(SmtpReplies.DnsTemporaryFailure.Render($"<{sender}>"), Name),
            _ => PolicyDecision.DontKnow,
        };
    }
}
