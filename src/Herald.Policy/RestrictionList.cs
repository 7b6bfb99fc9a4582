// Runs checks in order until one permits or rejects, as Postfix runs its restriction lists.
using Herald.Protocol.Addresses;

namespace Herald.Policy;

/// <summary>The ordered sender and recipient checks of a listener.</summary>
public sealed class RestrictionList
{
    private readonly IReadOnlyList<ISenderCheck> _senderChecks;
    private readonly IReadOnlyList<IRecipientCheck> _recipientChecks;

    public RestrictionList(IEnumerable<ISenderCheck> senderChecks, IEnumerable<IRecipientCheck> recipientChecks)
    {
        _senderChecks = [.. senderChecks];
        _recipientChecks = [.. recipientChecks];
    }

    public static RestrictionList Empty { get; } = new([], []);

    public async ValueTask<PolicyDecision> CheckSenderAsync(ClientContext client, Mailbox? sender, CancellationToken cancellationToken)
    {
        foreach (ISenderCheck check in _senderChecks)
        {
            PolicyDecision decision = await check.CheckAsync(client, sender, cancellationToken).ConfigureAwait(false);
            if (decision.Verdict != PolicyVerdict.DontKnow)
            {
                return decision;
            }
        }

        return PolicyDecision.DontKnow;
    }

    public async ValueTask<PolicyDecision> CheckRecipientAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken)
    {
        foreach (IRecipientCheck check in _recipientChecks)
        {
            PolicyDecision decision = await check.CheckAsync(client, sender, recipient, cancellationToken).ConfigureAwait(false);
            if (decision.Verdict != PolicyVerdict.DontKnow)
            {
                return decision;
            }
        }

        return PolicyDecision.DontKnow;
    }
}
