// The catalog of every reply the server sends. Codes live here and nowhere else; a test holds this
// table against the reply contract (docs/reply-contract.md, section 1).
using System.Reflection;

namespace Herald.Protocol.Replies;

/// <summary>Every reply the Herald server can send, as data.</summary>
public static class SmtpReplies
{
    // ---- Opening the session ----
    public static readonly ReplyTemplate Greeting = Row(nameof(Greeting), 220, null, "{0} ESMTP Herald");
    public static readonly ReplyTemplate DoesNotAcceptMail = Row(nameof(DoesNotAcceptMail), 521, "5.3.2", "{0} does not accept mail");
    public static readonly ReplyTemplate TooManyConnections = Row(nameof(TooManyConnections), 421, "4.3.2", "{0} Service not available - too many connections, try again later");
    public static readonly ReplyTemplate TooManyConnectionsFromClient = Row(nameof(TooManyConnectionsFromClient), 421, "4.7.0", "{0} Error: too many connections from {1}");
    public static readonly ReplyTemplate Maintenance = Row(nameof(Maintenance), 421, "4.3.2", "{0} Service not available - maintenance, try again later");
    public static readonly ReplyTemplate MaintenanceWithReason = Row(nameof(MaintenanceWithReason), 421, "4.3.2", "{0} Service not available - maintenance: {1}");
    public static readonly ReplyTemplate ShuttingDown = Row(nameof(ShuttingDown), 421, "4.3.2", "{0} Service shutting down, closing transmission channel");
    public static readonly ReplyTemplate InsufficientResources = Row(nameof(InsufficientResources), 421, "4.3.1", "{0} Insufficient system resources, try again later");

    // ---- During the session: closing replies ----
    public static readonly ReplyTemplate Timeout = Row(nameof(Timeout), 421, "4.4.2", "{0} Error: timeout exceeded");
    public static readonly ReplyTemplate TooManyErrors = Row(nameof(TooManyErrors), 421, "4.7.0", "{0} Error: too many errors");
    public static readonly ReplyTemplate TooManyAuthFailures = Row(nameof(TooManyAuthFailures), 421, "4.7.0", "{0} Error: too many authentication failures");

    /// <summary>A connect-time or AUTH-failure rate could not be counted (cluster mode, Redis unreachable): not now, and close.</summary>
    public static readonly ReplyTemplate LookupFailureClosing = Row(nameof(LookupFailureClosing), 421, "4.3.0", "{0} Error: temporary lookup failure, try again later");

    // ---- Transient refusals; the session stays ----
    public static readonly ReplyTemplate TooMuchMail = Row(nameof(TooMuchMail), 450, "4.7.1", "Error: too much mail from {0}");
    public static readonly ReplyTemplate TooManyRecipientsFromClient = Row(nameof(TooManyRecipientsFromClient), 450, "4.7.1", "Error: too many recipients from {0}");
    public static readonly ReplyTemplate Greylisted = Row(nameof(Greylisted), 451, "4.7.1", "{0}: Recipient address rejected: Greylisted, try again in {1} seconds");
    public static readonly ReplyTemplate DnsTemporaryFailure = Row(nameof(DnsTemporaryFailure), 451, "4.4.3", "{0}: Temporary DNS lookup failure, try again later");
    public static readonly ReplyTemplate LocalError = Row(nameof(LocalError), 451, "4.3.0", "Error: local error in processing, try again later");

    /// <summary>A message or recipient rate could not be counted (cluster mode, Redis unreachable); {0} is the &lt;sender&gt; or &lt;rcpt&gt;.</summary>
    public static readonly ReplyTemplate TemporaryLookupFailure = Row(nameof(TemporaryLookupFailure), 451, "4.3.0", "{0}: Temporary lookup failure, try again later");
    public static readonly ReplyTemplate InsufficientStorage = Row(nameof(InsufficientStorage), 452, "4.3.1", "Insufficient system storage");
    public static readonly ReplyTemplate TooManyRecipients = Row(nameof(TooManyRecipients), 452, "4.5.3", "Error: too many recipients");
    public static readonly ReplyTemplate TlsNotAvailable = Row(nameof(TlsNotAvailable), 454, "4.7.0", "TLS not available due to temporary reason");

    // ---- Permanent refusals ----
    public static readonly ReplyTemplate MessageTooBig = Row(nameof(MessageTooBig), 552, "5.3.4", "Message size exceeds fixed limit");
    public static readonly ReplyTemplate UserUnknown = Row(nameof(UserUnknown), 550, "5.1.1", "{0}: Recipient address rejected: User unknown");
    public static readonly ReplyTemplate RelayDenied = Row(nameof(RelayDenied), 554, "5.7.1", "{0}: Relay access denied");
    public static readonly ReplyTemplate SenderNullMx = Row(nameof(SenderNullMx), 550, "5.7.27", "{0}: Sender address has null MX");
    public static readonly ReplyTemplate RecipientNullMx = Row(nameof(RecipientNullMx), 556, "5.1.10", "{0}: Recipient address has null MX");
    /// <summary>RFC 5321 §6.3: a message that has passed more relays than the hop limit is looping.</summary>
    public static readonly ReplyTemplate TooManyHops = Row(nameof(TooManyHops), 554, "5.4.6", "Too many hops");

    /// <summary>RFC 7489 §6.3: the author domain asks receivers to reject mail that fails DMARC; {0} is the domain.</summary>
    public static readonly ReplyTemplate DmarcRejected = Row(nameof(DmarcRejected), 550, "5.7.1", "Rejected by DMARC policy of {0}");
    public static readonly ReplyTemplate NoValidRecipients = Row(nameof(NoValidRecipients), 554, "5.5.1", "Error: no valid recipients");
    public static readonly ReplyTemplate BadSequence = Row(nameof(BadSequence), 503, "5.5.1", "Error: {0}");
    public static readonly ReplyTemplate UnknownCommand = Row(nameof(UnknownCommand), 500, "5.5.2", "Error: command not recognized");
    public static readonly ReplyTemplate SyntaxError = Row(nameof(SyntaxError), 501, "5.5.2", "Syntax: {0}");
    public static readonly ReplyTemplate BadAddressSyntax = Row(nameof(BadAddressSyntax), 501, "5.1.3", "Bad address syntax: {0}");
    public static readonly ReplyTemplate BadParameter = Row(nameof(BadParameter), 501, "5.5.4", "Bad parameter: {0}");
    public static readonly ReplyTemplate LineTooLong = Row(nameof(LineTooLong), 500, "5.5.6", "Error: line too long");
    public static readonly ReplyTemplate UnsupportedOption = Row(nameof(UnsupportedOption), 555, "5.5.4", "Unsupported option: {0}");
    public static readonly ReplyTemplate NotImplemented = Row(nameof(NotImplemented), 502, "5.5.1", "Error: command not implemented");
    public static readonly ReplyTemplate EncryptionRequired = Row(nameof(EncryptionRequired), 538, "5.7.11", "Encryption required for requested authentication mechanism");
    public static readonly ReplyTemplate AuthenticationRequired = Row(nameof(AuthenticationRequired), 530, "5.7.0", "Authentication required");
    public static readonly ReplyTemplate AuthenticationInvalid = Row(nameof(AuthenticationInvalid), 535, "5.7.8", "Authentication credentials invalid");
    public static readonly ReplyTemplate AuthenticationAborted = Row(nameof(AuthenticationAborted), 501, "5.7.0", "Authentication aborted");
    public static readonly ReplyTemplate AuthenticationMechanismUnknown = Row(nameof(AuthenticationMechanismUnknown), 504, "5.5.4", "Unrecognized authentication type");
    public static readonly ReplyTemplate AuthenticationMalformed = Row(nameof(AuthenticationMalformed), 501, "5.5.2", "Cannot decode response");
    public static readonly ReplyTemplate TalkedBeforeGreeting = Row(nameof(TalkedBeforeGreeting), 554, "5.5.0", "{0} Error: SMTP protocol synchronization, talked before the greeting");
    public static readonly ReplyTemplate BadChunkSize = Row(nameof(BadChunkSize), 501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
    public static readonly ReplyTemplate SenderNotOwned = Row(nameof(SenderNotOwned), 553, "5.7.1", "{0}: Sender address rejected: not owned by user {1}");
    public static readonly ReplyTemplate BareLineFeed = Row(nameof(BareLineFeed), 550, "5.5.2", "Error: bare <LF> received");
    public static readonly ReplyTemplate BareCarriageReturn = Row(nameof(BareCarriageReturn), 550, "5.5.2", "Error: bare <CR> received");
    public static readonly ReplyTemplate Utf8NotAnnounced = Row(nameof(Utf8NotAnnounced), 553, "5.6.7", "{0}: UTF-8 address requires SMTPUTF8");

    // ---- Positive replies ----
    public static readonly ReplyTemplate Ok = Row(nameof(Ok), 250, "2.0.0", "Ok");
    public static readonly ReplyTemplate SenderOk = Row(nameof(SenderOk), 250, "2.1.0", "Ok");
    public static readonly ReplyTemplate RecipientOk = Row(nameof(RecipientOk), 250, "2.1.5", "Ok");
    public static readonly ReplyTemplate Queued = Row(nameof(Queued), 250, "2.0.0", "Ok: queued as {0}");
    public static readonly ReplyTemplate Helo = Row(nameof(Helo), 250, null, "{0}");
    public static readonly ReplyTemplate Ehlo = Row(nameof(Ehlo), 250, null, "{0}");
    public static readonly ReplyTemplate StartMailInput = Row(nameof(StartMailInput), 354, null, "End data with <CR><LF>.<CR><LF>");
    public static readonly ReplyTemplate CannotVerify = Row(nameof(CannotVerify), 252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly ReplyTemplate Help = Row(nameof(Help), 214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP; see RFC 5321");
    public static readonly ReplyTemplate Bye = Row(nameof(Bye), 221, "2.0.0", "{0} Bye");
    public static readonly ReplyTemplate ChunkReceived = Row(nameof(ChunkReceived), 250, "2.0.0", "{0} octets received");
    public static readonly ReplyTemplate ReadyToStartTls = Row(nameof(ReadyToStartTls), 220, "2.0.0", "Ready to start TLS");
    public static readonly ReplyTemplate AuthenticationSucceeded = Row(nameof(AuthenticationSucceeded), 235, "2.7.0", "Authentication successful");
    public static readonly ReplyTemplate AuthenticationChallenge = Row(nameof(AuthenticationChallenge), 334, null, "{0}");

    /// <summary>Every template in the catalog, for tests and for the knowledge base.</summary>
    public static IReadOnlyList<ReplyTemplate> All { get; } =
        [.. typeof(SmtpReplies).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ReplyTemplate))
            .Select(f => (ReplyTemplate)f.GetValue(null)!)];

    private static ReplyTemplate Row(string name, int code, string? enhanced, string text) =>
        new(name, code, enhanced is null ? null : EnhancedStatusCode.Parse(enhanced), text);
}
