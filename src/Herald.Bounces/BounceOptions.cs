// Settings of the bounce generator, bound from the `Bounces` section of the configuration.
using Herald.Protocol.Addresses;

namespace Herald.Bounces;

/// <summary><c>Bounces</c>: how delivery status notifications are written and where undeliverable ones go.</summary>
public sealed class BounceOptions
{
    /// <summary>
    /// <c>Bounces:Hostname</c>: the name in <c>Reporting-MTA</c>, the <c>MAILER-DAEMON@</c> address and the
    /// Message-Id of every report (RFC 3464 §2.2.2). Defaults to the server's <c>Hostname</c>.
    /// </summary>
    public string Hostname { get; set; } = string.Empty;

    /// <summary>
    /// <c>Bounces:PostmasterCopy</c>: an address that receives a report which cannot go to its sender because the
    /// sender is the null reverse-path <c>&lt;&gt;</c> (a bounce is never bounced, RFC 5321 §4.5.5). Empty: such
    /// reports are only logged.
    /// </summary>
    public string? PostmasterCopy { get; set; }

    /// <summary>
    /// <c>Bounces:QueueLifetime</c>: how long after arrival a message is retried, for the <c>Will-Retry-Until</c>
    /// field of delay reports (RFC 3464 §2.3.9). Five days, as RFC 5321 §4.5.4.1 asks for at least 4-5 days;
    /// keep it equal to the delivery engine's lifetime.
    /// </summary>
    public TimeSpan QueueLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>The postmaster copy address, parsed; null when none is configured.</summary>
    public Mailbox? PostmasterMailbox =>
        string.IsNullOrWhiteSpace(PostmasterCopy) ? null : Mailbox.Parse(PostmasterCopy.Trim());

    /// <summary>One line per bad setting, naming its key; empty when all is well.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Hostname) || !MailboxGrammar.IsDomain(Hostname))
        {
            yield return $"Herald:Bounces:Hostname: '{Hostname}' is not a host name.";
        }

        if (!string.IsNullOrWhiteSpace(PostmasterCopy) && !MailboxGrammar.TryParseMailbox(PostmasterCopy.Trim(), out _))
        {
            yield return $"Herald:Bounces:PostmasterCopy: '{PostmasterCopy}' is not a mail address (local@domain), nor empty.";
        }

        if (QueueLifetime <= TimeSpan.Zero)
        {
            yield return $"Herald:Bounces:QueueLifetime: {QueueLifetime} must be positive.";
        }
    }
}
