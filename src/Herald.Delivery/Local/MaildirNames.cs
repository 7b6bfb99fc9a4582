// File-system-safe folder names for mailboxes, and unique Maildir file names.
using System.Globalization;
using System.Text;

namespace Herald.Delivery.Local;

/// <summary>
/// Turns domains and local parts into folder names, and makes Maildir file names. A local part is
/// chosen by whoever sends mail, so it must never escape its domain's folder: <c>/</c>, <c>\</c>, NUL
/// and other control characters, <c>%</c> itself and a leading <c>.</c> (which also covers <c>.</c>,
/// <c>..</c> and hidden names) are written <c>%XX</c>, which <see cref="DecodeFolderName"/> undoes.
/// The empty local part (<c>""@domain</c> is valid in RFC 5321) becomes a lone <c>%</c>.
/// </summary>
internal static class MaildirNames
{
    /// <summary>
    /// The folder name for a local part. ASCII letters are lower-cased so <c>User@localhost</c> and
    /// <c>user@localhost</c> share a mailbox: RFC 5321 §2.4 lets a host treat local parts as
    /// case-sensitive but discourages relying on it, and people type addresses in any case. Letters
    /// beyond ASCII are kept as they are (case folding them is a locale question).
    /// </summary>
    public static string LocalPartFolder(string localPart) => EncodeFolderName(localPart, lowerAscii: true);

    /// <summary>The folder name for a domain: lower case (domains are case-insensitive, RFC 5321 §2.4).</summary>
    public static string DomainFolder(string domain) => EncodeFolderName(domain.ToLowerInvariant(), lowerAscii: true);

    public static string EncodeFolderName(string name, bool lowerAscii)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "%";
        }

        var builder = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (lowerAscii && char.IsAsciiLetterUpper(c))
            {
                c = char.ToLowerInvariant(c);
            }

            if (c is '/' or '\\' or '%' or '\0' || char.IsControl(c) || (i == 0 && c == '.'))
            {
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public static string DecodeFolderName(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (folder == "%")
        {
            return string.Empty;
        }

        var builder = new StringBuilder(folder.Length);
        for (int i = 0; i < folder.Length; i++)
        {
            if (folder[i] == '%' && i + 2 < folder.Length && int.TryParse(folder.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
            {
                builder.Append((char)code);
                i += 2;
            }
            else
            {
                builder.Append(folder[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The host name as the Maildir convention wants it in a file name: <c>/</c> as <c>\057</c> and
    /// <c>:</c> as <c>\072</c> (cr.yp.to/proto/maildir.html), and <c>,</c> as <c>\054</c> because Dovecot
    /// reads <c>,S=</c> and <c>,W=</c> fields after a comma.
    /// </summary>
    public static string EscapeHostname(string hostname)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        var builder = new StringBuilder(hostname.Length);
        foreach (char c in hostname)
        {
            if (c is '/' or ':' or ',' or '\\' || char.IsControl(c))
            {
                builder.Append('\\').Append(Convert.ToString(c, 8).PadLeft(3, '0'));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// A unique base name, <c>&lt;seconds&gt;.M&lt;usec&gt;P&lt;pid&gt;Q&lt;counter&gt;.&lt;host&gt;</c>: the modern
    /// Maildir form (as Dovecot and qmail write it). Time, process id and a per-process counter make it
    /// unique on this host; the host name makes it unique across hosts sharing the folder.
    /// </summary>
    public static string UniqueName(DateTimeOffset now, int processId, long counter, string escapedHostname)
    {
        long seconds = now.ToUnixTimeSeconds();
        long microseconds = (now.UtcTicks % TimeSpan.TicksPerSecond) / TimeSpan.TicksPerMicrosecond;
        return string.Create(CultureInfo.InvariantCulture, $"{seconds}.M{microseconds}P{processId}Q{counter}.{escapedHostname}");
    }
}
