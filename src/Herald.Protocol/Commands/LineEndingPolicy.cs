// What to do with a bare <LF> or a bare <CR> (RFC 5321 §2.3.8 forbids both; SMTP smuggling abuses them).
namespace Herald.Protocol.Commands;

/// <summary>The <c>Smtp:BareLineFeed</c> policy.</summary>
public enum LineEndingPolicy
{
    /// <summary>
    /// A bare LF or bare CR ends a line like CRLF and is stored as CRLF, but it is never
    /// part of the end-of-data mark: only CRLF "." CRLF ends DATA.
    /// </summary>
    Normalize,

    /// <summary>
    /// A command with a bare LF or CR is refused, and a message containing one is read to its
    /// end and refused: 550 5.5.2. (Postfix answers 521 and closes; 550 keeps the session usable
    /// so that the client learns which message failed.)
    /// </summary>
    Reject,
}
