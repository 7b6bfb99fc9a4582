// Reads the addresses `herald sendmail` is given: recipient arguments, -f, and the To/Cc/Bcc headers of -t.
using System.Diagnostics.CodeAnalysis;
using Herald.Protocol.Addresses;
using MimeKit;

namespace Herald.Cli.Sendmail;

/// <summary>
/// Address lists are read as RFC 5322 §3.4 writes them (display names, comments, groups, several
/// addresses separated by commas) in MimeKit's strict mode, so that <c>user@exa mple.org</c> is an
/// error rather than two guesses; each address must then be an RFC 5321 mailbox. An address without a
/// domain (<c>root</c>, as cron writes it) gets the local domain, as a local mail system does.
/// </summary>
internal sealed class SendmailAddresses(string localDomain)
{
    private static readonly ParserOptions Strict = CreateOptions();

    /// <summary>Adds every mailbox of <paramref name="text"/> to <paramref name="into"/>; false, naming the bad part, when one is not an address.</summary>
    public bool TryAddList(string text, List<Mailbox> into, [NotNullWhen(false)] out string? bad)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (!InternetAddressList.TryParse(Strict, text, out InternetAddressList? list))
        {
            bad = text;
            return false;
        }

        foreach (MailboxAddress address in list.Mailboxes)
        {
            if (!TryMailbox(address.Address, out Mailbox? mailbox))
            {
                bad = address.Address;
                return false;
            }

            if (!into.Contains(mailbox))
            {
                into.Add(mailbox);
            }
        }

        bad = null;
        return true;
    }

    /// <summary>
    /// The -f sender: <c>&lt;&gt;</c> or nothing is the null reverse-path of RFC 5321 §4.5.5 (for programs
    /// that send notifications which must never bounce); otherwise one address, brackets optional.
    /// </summary>
    public bool TryParseSender(string text, out Mailbox? sender)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed is "" or "<>")
        {
            sender = null;
            return true;
        }

        if (trimmed.StartsWith('<') && trimmed.EndsWith('>'))
        {
            trimmed = trimmed[1..^1];
        }

        bool ok = TryMailbox(trimmed, out Mailbox? mailbox);
        sender = mailbox;
        return ok;
    }

    public bool TryMailbox(string address, [NotNullWhen(true)] out Mailbox? mailbox)
    {
        string full = address.Contains('@', StringComparison.Ordinal) ? address : $"{address}@{localDomain}";
        return MailboxGrammar.TryParseMailbox(full, out mailbox) && mailbox is not null;
    }

    private static ParserOptions CreateOptions()
    {
        ParserOptions options = ParserOptions.Default.Clone();
        options.AddressParserComplianceMode = RfcComplianceMode.Strict;
        options.AllowAddressesWithoutDomain = true;
        return options;
    }
}
