// Relay control: local recipients pass on; others only for trusted or authenticated clients.
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// Refuses to relay for strangers: <c>554 5.7.1 &lt;rcpt&gt;: Relay access denied</c>. A recipient in a
/// local domain gets "don't know" so that later checks (user list, greylisting) still run. Address
/// literals are never local, so <c>user@[192.0.2.1]</c> is relaying too.
/// </summary>
public sealed class RelayCheck(LocalDomains localDomains) : IRecipientCheck
{
    public string Name => "relay";

    public ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(recipient);
        // A local domain with a routing operator in the local part (user%remote@local, remote!user@local,
        // "user@remote"@local) is how open relays were abused: never a local mailbox here.
        if (localDomains.IsLocal(recipient) && !HasRoutingOperator(recipient.LocalPart))
        {
            return ValueTask.FromResult(PolicyDecision.DontKnow);
        }

        if (client.IsTrusted || client.IsAuthenticated)
        {
            return ValueTask.FromResult(PolicyDecision.Permit(Name));
        }

        return ValueTask.FromResult(PolicyDecision.Reject(SmtpReplies.RelayDenied.Render($"<{recipient}>"), Name));
    }

    private static bool HasRoutingOperator(string localPart) => localPart.AsSpan().IndexOfAny("@%!") >= 0;
}
