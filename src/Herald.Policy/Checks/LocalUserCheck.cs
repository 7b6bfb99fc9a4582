// Unknown local users are refused at RCPT when a user list is configured.
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>550 5.1.1 &lt;rcpt&gt;: Recipient address rejected: User unknown</c> for a local recipient not in
/// <c>Users</c>. Postmaster is always accepted (RFC 5321 §4.5.1). Local parts compare case-insensitively,
/// as almost every real mail store does. A known user gets "don't know", not a permit, as with Postfix's
/// reject_unlisted_recipient: the check only refuses, so checks after it (greylisting) still run.
/// </summary>
public sealed class LocalUserCheck : IRecipientCheck
{
    private readonly LocalDomains _localDomains;
    private readonly HashSet<string> _users;

    public LocalUserCheck(LocalDomains localDomains, IEnumerable<string> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        _localDomains = localDomains;
        _users = new HashSet<string>(users.Select(Key), StringComparer.Ordinal);
    }

    public string Name => "local-users";

    public ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (_users.Count == 0 || !_localDomains.IsLocal(recipient))
        {
            return ValueTask.FromResult(PolicyDecision.DontKnow);
        }

        if (recipient.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase) || _users.Contains(Key(recipient)))
        {
            return ValueTask.FromResult(PolicyDecision.DontKnow);
        }

        return ValueTask.FromResult(PolicyDecision.Reject(SmtpReplies.UserUnknown.Render($"<{recipient}>"), Name));
    }

    private static string Key(string address) =>
        MailboxGrammar.TryParseMailbox(address, out Mailbox? mailbox) ? Key(mailbox!) : address.ToLowerInvariant();

    private static string Key(Mailbox mailbox) => mailbox.LocalPart.ToLowerInvariant() + "@" + LocalDomains.Normalize(mailbox.Domain);
}
