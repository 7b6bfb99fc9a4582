// One check applied to each MAIL FROM.
using Herald.Protocol.Addresses;

namespace Herald.Policy;

/// <summary>A sender restriction: message rates, resources, null-MX senders, submission rules.</summary>
public interface ISenderCheck
{
    string Name { get; }

    /// <param name="sender">The reverse-path; null for the null sender <c>&lt;&gt;</c>.</param>
    ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, CancellationToken cancellationToken);
}
