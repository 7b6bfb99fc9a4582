// Which command is allowed in which session state: a table, not nested ifs.
using Herald.Protocol.Commands;

namespace Herald.Server.Sessions;

/// <summary>
/// The command/state table. A null entry means "allowed"; otherwise the text of the
/// <c>503 5.5.1</c> reply. HELO/EHLO, RSET, NOOP, QUIT, VRFY, HELP and EXPN are allowed in every
/// state (RFC 5321 §4.1.4 lets EHLO restart a session at any point); STARTTLS and AUTH need EHLO first
/// and no open transaction (RFC 3207 §4, RFC 4954 §4).
/// </summary>
internal static class CommandTable
{
    private const string SendHeloFirst = "send HELO/EHLO first";
    private const string NestedMail = "nested MAIL command";
    private const string NeedMail = "need MAIL command";
    private const string NeedRcpt = "need RCPT command";
    private const string InTransaction = "MAIL transaction in progress";

    private static readonly Dictionary<(SmtpVerb, SessionState), string> Refusals = new()
    {
        [(SmtpVerb.Mail, SessionState.Connected)] = SendHeloFirst,
        [(SmtpVerb.Mail, SessionState.MailGiven)] = NestedMail,
        [(SmtpVerb.Mail, SessionState.RecipientsGiven)] = NestedMail,
        [(SmtpVerb.Rcpt, SessionState.Connected)] = NeedMail,
        [(SmtpVerb.Rcpt, SessionState.Ready)] = NeedMail,
        [(SmtpVerb.Data, SessionState.Connected)] = NeedMail,
        [(SmtpVerb.Data, SessionState.Ready)] = NeedMail,
        [(SmtpVerb.Data, SessionState.MailGiven)] = NeedRcpt,
        [(SmtpVerb.Bdat, SessionState.Connected)] = NeedMail,
        [(SmtpVerb.Bdat, SessionState.Ready)] = NeedMail,
        [(SmtpVerb.Bdat, SessionState.MailGiven)] = NeedRcpt,
        [(SmtpVerb.StartTls, SessionState.Connected)] = SendHeloFirst,
        [(SmtpVerb.StartTls, SessionState.MailGiven)] = InTransaction,
        [(SmtpVerb.StartTls, SessionState.RecipientsGiven)] = InTransaction,
        [(SmtpVerb.Auth, SessionState.Connected)] = SendHeloFirst,
        [(SmtpVerb.Auth, SessionState.MailGiven)] = InTransaction,
        [(SmtpVerb.Auth, SessionState.RecipientsGiven)] = InTransaction,
    };

    /// <summary>Null when <paramref name="verb"/> may run in <paramref name="state"/>, else why not.</summary>
    public static string? Refusal(SmtpVerb verb, SessionState state) =>
        Refusals.TryGetValue((verb, state), out string? text) ? text : null;
}
