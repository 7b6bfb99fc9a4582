// Refuses MAIL while the data directory's file system is under its soft free-space floor.
using Herald.Policy.Resources;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>452 4.3.1 Insufficient system storage</c> at MAIL under <c>Limits:MinFreeDiskBytes</c>; the session
/// stays (reply contract). RFC 5321 §4.2.2 names 452 for exactly this (and RFC 3463 §3.4 the 4.3.1
/// "mail system full"), and senders retry it later.
/// Applies to every client, trusted ones too: a full disk loses their mail as surely as anyone's.
/// </summary>
public sealed class ResourceCheck(ResourceMonitor monitor) : ISenderCheck
{
    // No argument, so one instance serves every refusal.
    private static readonly SmtpReply InsufficientStorage = SmtpReplies.InsufficientStorage.Render();

    public string Name => "resources";

    public ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, CancellationToken cancellationToken) =>
        ValueTask.FromResult(monitor.IsDiskLow ? PolicyDecision.Reject(InsufficientStorage, Name) : PolicyDecision.DontKnow);
}
