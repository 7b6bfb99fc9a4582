// The states of an SMTP session as the command table sees them (RFC 5321 §4.1.4).
namespace Herald.Server.Sessions;

/// <summary>Where a session stands between commands.</summary>
internal enum SessionState
{
    /// <summary>Greeted; no HELO/EHLO yet.</summary>
    Connected,

    /// <summary>HELO/EHLO done, no transaction open.</summary>
    Ready,

    /// <summary>MAIL accepted; no recipient accepted yet.</summary>
    MailGiven,

    /// <summary>At least one RCPT accepted; DATA may follow.</summary>
    RecipientsGiven,
}
