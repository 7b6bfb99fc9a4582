// What a delivery status notification says about one recipient (RFC 3464 §2.3).
using Herald.Protocol.Addresses;

namespace Herald.Queue.Reports;

/// <summary>The RFC 3464 Action field: what happened to the recipient, the one a sender most needs to hear first.</summary>
public enum ReportAction
{
    /// <summary>Given up on: a permanent failure, or the queue lifetime ran out.</summary>
    Failed,

    /// <summary>Still trying; a delay warning.</summary>
    Delayed,

    /// <summary>
    /// Handed to a next hop that does not offer DSN, so no later report can come (RFC 3464 §2.3.3); reported only
    /// where the sender asked for success reports (NOTIFY=SUCCESS).
    /// </summary>
    Relayed,

    /// <summary>Delivered, reported only where the sender asked for it (NOTIFY=SUCCESS).</summary>
    Delivered,
}

/// <summary>
/// One recipient in a report.
/// </summary>
/// <param name="Recipient">The envelope recipient.</param>
/// <param name="Action">What happened.</param>
/// <param name="Status">The enhanced status code for the Status field, e.g. <c>5.1.1</c> or <c>4.4.7</c>.</param>
/// <param name="RemoteMta">The host that gave the reply (for Remote-MTA), or null when no host was reached.</param>
/// <param name="Diagnostic">The reply exactly as the remote host gave it, for <c>Diagnostic-Code: smtp;</c>; null when none.</param>
/// <param name="Explanation">Herald's own words when there was no remote reply (null MX, NXDOMAIN, expiry).</param>
/// <param name="LastAttempt">When the last attempt ended.</param>
public sealed record RecipientReport(
    Mailbox Recipient,
    ReportAction Action,
    string Status,
    string? RemoteMta,
    string? Diagnostic,
    string? Explanation,
    DateTimeOffset LastAttempt);
