// A mailbox of an SMTP envelope, local-part@domain (RFC 5321 §4.1.2).
namespace Herald.Protocol.Addresses;

/// <summary>
/// An envelope mailbox. <see cref="LocalPart"/> is held unquoted (the quoted-string form is
/// restored by <see cref="ToString"/>); <see cref="Domain"/> is a host name or an address literal
/// such as <c>[192.0.2.1]</c>, as the client sent it.
/// </summary>
public sealed record Mailbox(string LocalPart, string Domain)
{
    /// <summary>True when the mailbox holds characters beyond ASCII and so needs SMTPUTF8 (RFC 6531).</summary>
    public bool RequiresSmtpUtf8 => !System.Text.Ascii.IsValid(LocalPart) || !System.Text.Ascii.IsValid(Domain);

    /// <summary>True when the domain is an address literal, <c>[1.2.3.4]</c> or <c>[IPv6:...]</c>.</summary>
    public bool IsAddressLiteral => Domain.StartsWith('[');

    /// <summary>The domain as it is compared: lower case, for host names.</summary>
    public string NormalizedDomain => IsAddressLiteral ? Domain : Domain.ToLowerInvariant();

    /// <summary>Parses <c>local@domain</c> (no brackets); throws <see cref="FormatException"/> when it is not a mailbox.</summary>
    public static Mailbox Parse(string text) =>
        MailboxGrammar.TryParseMailbox(text, out Mailbox? mailbox) ? mailbox! : throw new FormatException($"'{text}' is not a mailbox.");

    /// <summary>The mailbox as it is written in a path: local part quoted where the grammar requires it.</summary>
    public override string ToString() => $"{MailboxGrammar.FormatLocalPart(LocalPart)}@{Domain}";
}
