// One check applied to each RCPT TO.
using Herald.Protocol.Addresses;

namespace Herald.Policy;

/// <summary>A recipient restriction: relay control, user lists, greylisting, null MX, rates.</summary>
public interface IRecipientCheck
{
    /// <summary>The name written in log lines next to the reply this check gives.</summary>
    string Name { get; }

    ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken);
}
