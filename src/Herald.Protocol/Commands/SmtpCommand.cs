// The commands of an SMTP session as values, one record per verb (RFC 5321 §4.1.1).
using Herald.Protocol.Addresses;

namespace Herald.Protocol.Commands;

/// <summary>The verbs Herald recognises; anything else is answered 500 5.5.2.</summary>
public enum SmtpVerb
{
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Help,
    Expn,
    StartTls,
    Auth,
    Bdat,
}

/// <summary>A parsed SMTP command.</summary>
public abstract record SmtpCommand(SmtpVerb Verb);

public sealed record HeloCommand(string Domain) : SmtpCommand(SmtpVerb.Helo);

public sealed record EhloCommand(string Domain) : SmtpCommand(SmtpVerb.Ehlo);

/// <summary>MAIL FROM; a null <see cref="ReversePath"/> is the null reverse-path <c>&lt;&gt;</c> of bounces.</summary>
public sealed record MailCommand(Mailbox? ReversePath, MailParameters Parameters) : SmtpCommand(SmtpVerb.Mail);

/// <summary>RCPT TO; a recipient with an empty domain is the bare <c>&lt;Postmaster&gt;</c> (RFC 5321 §4.1.1.3).</summary>
public sealed record RcptCommand(Mailbox Recipient, RecipientParameters Parameters) : SmtpCommand(SmtpVerb.Rcpt);

public sealed record DataCommand() : SmtpCommand(SmtpVerb.Data);

public sealed record RsetCommand() : SmtpCommand(SmtpVerb.Rset);

public sealed record NoopCommand() : SmtpCommand(SmtpVerb.Noop);

public sealed record QuitCommand() : SmtpCommand(SmtpVerb.Quit);

public sealed record VrfyCommand(string Argument) : SmtpCommand(SmtpVerb.Vrfy);

public sealed record HelpCommand(string? Topic) : SmtpCommand(SmtpVerb.Help);

public sealed record ExpnCommand(string Argument) : SmtpCommand(SmtpVerb.Expn);

/// <summary>STARTTLS (RFC 3207).</summary>
public sealed record StartTlsCommand() : SmtpCommand(SmtpVerb.StartTls);

/// <summary>AUTH mechanism [initial-response] (RFC 4954 §4); the response is base64 or "=" for an empty one.</summary>
public sealed record AuthCommand(string Mechanism, string? InitialResponse) : SmtpCommand(SmtpVerb.Auth);

/// <summary>BDAT size [LAST] (RFC 3030 §2): exactly <see cref="Size"/> octets of message follow the command line.</summary>
public sealed record BdatCommand(long Size, bool Last) : SmtpCommand(SmtpVerb.Bdat);
