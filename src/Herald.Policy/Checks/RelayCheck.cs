// Relay control: local recipients pass on; others only for trusted or authenticated clients.
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// Refuses to relay for strangers: <c>554 5.7.1 &lt;rcpt&gt;: Relay access denied</c>. A recipient in a
/// local domain gets "don't know" so that later checks (user list, greylisting) still run.
/// </summary>
public sealed class RelayCheck(LocalDomains localDomains) : IRecipientCheck
{
    public string Name => "relay";

    public ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(recipient);
        if (localDomains.IsLocal(recipient))
        {
            return ValueTask.FromResult(PolicyDecision.DontKnow);
        }

        if (client.IsTrusted || client.IsAuthenticated)
        {
            return ValueTask.FromResult(PolicyDecision.Permit(Name));
        }

        return ValueTask.FromResult(PolicyDecision.Reject(SmtpReplies.RelayDenied.Render($"<{recipient}>"), Name));
    }
}
