// The catalog of status texts outbound delivery composes itself, when no remote reply says what happened.
using System.Reflection;
using Herald.Protocol.Replies;

namespace Herald.Delivery.Outbound;

/// <summary>
/// Every reply-shaped text the delivery engine records or reports in its own words (section 2 of the
/// reply contract). Replies a remote host gave are recorded as given and never pass through here.
/// The basic codes are what a receiving MTA would have said in the same situation, so that logs,
/// <c>herald queue</c> and DSNs read the same way for local and remote verdicts.
/// </summary>
internal static class OutboundReplies
{
    // ---- Routing: decided before any connection. Arguments: {0} recipient, {1} domain, {2} detail ----

    /// <summary>RFC 7505 §4.2: a null MX means the domain takes no mail; 556 and 5.1.10 per RFC 7504 §3 and RFC 7505 §4.2.</summary>
    public static readonly ReplyTemplate NullMx = Row(nameof(NullMx), 556, "5.1.10",
        "{0}: Recipient address has null MX: {1} publishes a null MX record and accepts no mail (RFC 7505)");

    /// <summary>RFC 3463 §3.2: X.1.2, bad destination system address.</summary>
    public static readonly ReplyTemplate NoSuchDomain = Row(nameof(NoSuchDomain), 550, "5.1.2",
        "{0}: Host or domain name not found: {1} does not exist (NXDOMAIN)");

    public static readonly ReplyTemplate NoMailHost = Row(nameof(NoMailHost), 550, "5.1.2",
        "{0}: Host or domain name not found: {1} has no MX and no address records");

    /// <summary>RFC 3463 §3.2: X.1.3, bad destination mailbox address syntax.</summary>
    public static readonly ReplyTemplate InvalidDomain = Row(nameof(InvalidDomain), 553, "5.1.3",
        "{0}: Bad destination domain: '{1}' is not a valid domain name");

    /// <summary>RFC 3463 §3.5: X.4.3, directory server failure (a DNS failure is transient).</summary>
    public static readonly ReplyTemplate DnsTemporaryFailure = Row(nameof(DnsTemporaryFailure), 451, "4.4.3",
        "{0}: Temporary DNS failure looking up {1}: {2}; will retry");

    /// <summary>RFC 5321 §5.1: an MTA that finds itself in an MX list uses only more preferred hosts; none left is a loop (X.4.6).</summary>
    public static readonly ReplyTemplate MailLoop = Row(nameof(MailLoop), 550, "5.4.6",
        "{0}: Mail for {1} loops back to myself: {2} is one of its best MX hosts");

    /// <summary>RFC 3463 §3.5: X.4.4, unable to route (MX hosts that have no address).</summary>
    public static readonly ReplyTemplate NoRoute = Row(nameof(NoRoute), 550, "5.4.4",
        "{0}: Unable to route: no MX host of {1} has an address ({2})");

    // ---- Connecting and the session. Arguments: {0} the host as host[address]:port, then details ----

    /// <summary>RFC 3463 §3.5: X.4.1, no answer from host.</summary>
    public static readonly ReplyTemplate ConnectFailed = Row(nameof(ConnectFailed), 451, "4.4.1",
        "connect to {0}: {1}");

    /// <summary>RFC 3463 §3.5: X.4.2, bad connection.</summary>
    public static readonly ReplyTemplate ConnectionLost = Row(nameof(ConnectionLost), 451, "4.4.2",
        "lost connection with {0} while {1}");

    /// <summary>RFC 5321 §4.5.3.2: the client's timeouts; X.4.2 as the connection is given up.</summary>
    public static readonly ReplyTemplate TimedOut = Row(nameof(TimedOut), 451, "4.4.2",
        "conversation with {0} timed out while {1} (RFC 5321 §4.5.3.2)");

    /// <summary>RFC 3463 §3.6: X.5.0, other protocol status: the peer did not speak SMTP.</summary>
    public static readonly ReplyTemplate ProtocolError = Row(nameof(ProtocolError), 451, "4.5.0",
        "{0} sent a malformed reply while {1}: {2}");

    /// <summary>RFC 3463 §3.8: X.7.4, security features not supported.</summary>
    public static readonly ReplyTemplate TlsNotOffered = Row(nameof(TlsNotOffered), 451, "4.7.4",
        "TLS is required, but {0} did not offer STARTTLS");

    /// <summary>RFC 3463 §3.8: X.7.5, cryptographic failure.</summary>
    public static readonly ReplyTemplate TlsFailed = Row(nameof(TlsFailed), 451, "4.7.5",
        "TLS is required, but STARTTLS with {0} failed: {1}");

    /// <summary>RFC 3463 §3.4: X.3.0, other mail system status: our own copy could not be read.</summary>
    public static readonly ReplyTemplate ContentUnreadable = Row(nameof(ContentUnreadable), 451, "4.3.0",
        "local error reading the queued message: {0}");

    /// <summary>Anything unforeseen in a delivery round: the recipients are deferred, never lost.</summary>
    public static readonly ReplyTemplate LocalError = Row(nameof(LocalError), 451, "4.3.0",
        "{0}: local error in delivery, will retry: {1}");

    // ---- What the host can take ----

    /// <summary>RFC 1870 §6: a message larger than the SIZE a server announced is not sent; X.3.4, message too big for system.</summary>
    public static readonly ReplyTemplate MessageTooBig = Row(nameof(MessageTooBig), 552, "5.3.4",
        "{0}: message of {1} octets exceeds its size limit of {2} octets (RFC 1870)");

    /// <summary>RFC 6531 §3.2: a message that needs SMTPUTF8 is not sent to a server without it; X.6.7.</summary>
    public static readonly ReplyTemplate SmtpUtf8NotOffered = Row(nameof(SmtpUtf8NotOffered), 553, "5.6.7",
        "{0} does not support SMTPUTF8, which this message needs (RFC 6531)");

    /// <summary>Reply contract, section 2: every MX host refused all mail (521, RFC 7504); X.3.2, system not accepting messages.</summary>
    public static readonly ReplyTemplate NoHostAcceptsMail = Row(nameof(NoHostAcceptsMail), 550, "5.3.2",
        "{0}: No MX host of {1} accepts mail; last reply: {2}");

    // ---- The queue ----

    /// <summary>RFC 5321 §4.5.4.1 and RFC 3463 §3.5: X.4.7, delivery time expired.</summary>
    public static readonly ReplyTemplate Expired = Row(nameof(Expired), 451, "4.4.7",
        "delivery time expired: still undelivered after {0}; last reply: {1}");

    /// <summary>Every row, for tests that hold the catalog against the contract.</summary>
    public static IReadOnlyList<ReplyTemplate> All { get; } =
        [.. typeof(OutboundReplies).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ReplyTemplate))
            .Select(f => (ReplyTemplate)f.GetValue(null)!)];

    /// <summary>
    /// Text from outside (an exception message, a peer's malformed line) made fit for a reply argument: one
    /// line, no control characters, at most 300 characters.
    /// </summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        string line = string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        }).Trim();
        return line.Length <= 300 ? line : line[..300] + "...";
    }

    private static ReplyTemplate Row(string name, int code, string enhanced, string text) =>
        new(name, code, EnhancedStatusCode.Parse(enhanced), text);
}
