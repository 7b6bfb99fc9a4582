// The RFC 5321 §4.1.2 grammar of paths and mailboxes, with the RFC 6531 UTF-8 extension.
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Protocol.Addresses;

/// <summary>Why a path did not parse.</summary>
public enum PathError
{
    None,
    MissingBrackets,
    BadSyntax,
    TooLong,
}

/// <summary>Parses reverse-paths and forward-paths; formats local parts back into their wire form.</summary>
public static class MailboxGrammar
{
    // RFC 5321 §4.5.3.1.1-3: local part 64 octets, domain 255 octets, path 256 octets.
    public const int MaxLocalPartOctets = 64;
    public const int MaxDomainOctets = 255;
    public const int MaxPathOctets = 256;

    /// <summary>
    /// Parses a path at <paramref name="pos"/> in <paramref name="text"/>: <c>&lt;&gt;</c> when
    /// <paramref name="allowNull"/> (the null reverse-path gives a null mailbox), source routes
    /// accepted and ignored (RFC 5321 §4.1.1.3, Appendix C), and, when <paramref name="allowPostmaster"/>,
    /// the bare <c>&lt;Postmaster&gt;</c> of RFC 5321 §4.1.1.3 (returned with an empty domain).
    /// </summary>
    public static PathError TryParsePath(string text, ref int pos, bool allowNull, bool allowPostmaster, out Mailbox? mailbox)
    {
        ArgumentNullException.ThrowIfNull(text);
        mailbox = null;
        int start = pos;
        if (pos >= text.Length || text[pos] != '<')
        {
            return PathError.MissingBrackets;
        }

        int i = pos + 1;
        if (allowNull && i < text.Length && text[i] == '>')
        {
            pos = i + 1;
            return PathError.None;
        }

        // A-d-l ":" — a source route, parsed for syntax and then dropped.
        if (i < text.Length && text[i] == '@')
        {
            while (true)
            {
                i++;
                if (!TryParseDomain(text, ref i, out _))
                {
                    return PathError.BadSyntax;
                }

                if (i < text.Length && text[i] == ',' && i + 1 < text.Length && text[i + 1] == '@')
                {
                    i++;
                    continue;
                }

                if (i < text.Length && text[i] == ':')
                {
                    i++;
                    break;
                }

                return PathError.BadSyntax;
            }
        }

        if (allowPostmaster && TryPostmaster(text, i, out int after))
        {
            mailbox = new Mailbox("Postmaster", string.Empty);
            pos = after;
            return PathError.None;
        }

        if (!TryParseLocalPart(text, ref i, out string? local) || i >= text.Length || text[i] != '@')
        {
            return PathError.BadSyntax;
        }

        i++;
        if (!TryParseDomainOrLiteral(text, ref i, out string? domain))
        {
            return PathError.BadSyntax;
        }

        if (i >= text.Length || text[i] != '>')
        {
            return i >= text.Length ? PathError.MissingBrackets : PathError.BadSyntax;
        }

        i++;
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartOctets
            || Encoding.UTF8.GetByteCount(domain) > MaxDomainOctets
            || Encoding.UTF8.GetByteCount(text.AsSpan(start, i - start)) > MaxPathOctets)
        {
            return PathError.TooLong;
        }

        mailbox = new Mailbox(local, domain);
        pos = i;
        return PathError.None;
    }

    /// <summary>Parses a whole string as a bare mailbox, <c>local@domain</c>, without brackets.</summary>
    public static bool TryParseMailbox(string text, out Mailbox? mailbox)
    {
        ArgumentNullException.ThrowIfNull(text);
        int pos = 0;
        string wrapped = "<" + text + ">";
        PathError error = TryParsePath(wrapped, ref pos, allowNull: false, allowPostmaster: false, out mailbox);
        return error == PathError.None && pos == wrapped.Length;
    }

    /// <summary>Parses a domain (a host name, no address literal) that must fill the whole string.</summary>
    public static bool IsDomain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int i = 0;
        return TryParseDomain(text, ref i, out _) && i == text.Length;
    }

    /// <summary>Parses what EHLO/HELO name: a domain or an address literal that must fill the whole string.</summary>
    public static bool IsDomainOrAddressLiteral(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int i = 0;
        return TryParseDomainOrLiteral(text, ref i, out _) && i == text.Length;
    }

    /// <summary>The local part as written in a path: a dot-string as is, anything else quoted.</summary>
    public static string FormatLocalPart(string localPart)
    {
        ArgumentNullException.ThrowIfNull(localPart);
        if (IsDotString(localPart))
        {
            return localPart;
        }

        var builder = new StringBuilder(localPart.Length + 2);
        builder.Append('"');
        foreach (char c in localPart)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('"').ToString();
    }

    internal static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal) || c > 0x7F;

    private static bool TryPostmaster(string text, int i, out int after)
    {
        const string Postmaster = "postmaster>";
        after = i + Postmaster.Length;
        return text.Length >= after && text.AsSpan(i, Postmaster.Length).Equals(Postmaster, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsDotString(string s)
    {
        if (s.Length == 0 || s[0] == '.' || s[^1] == '.' || s.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in s)
        {
            if (c != '.' && !IsAtext(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseLocalPart(string text, ref int pos, [NotNullWhen(true)] out string? local)
    {
        local = null;
        int i = pos;
        if (i < text.Length && text[i] == '"')
        {
            // Quoted-string: qtextSMTP or quoted-pairSMTP (RFC 5321 §4.1.2), UTF-8 allowed by RFC 6531.
            var builder = new StringBuilder();
            i++;
            while (i < text.Length && text[i] != '"')
            {
                char c = text[i];
                if (c == '\\')
                {
                    if (i + 1 >= text.Length || text[i + 1] < 32 || text[i + 1] == 127)
                    {
                        return false;
                    }

                    builder.Append(text[i + 1]);
                    i += 2;
                    continue;
                }

                if (c < 32 || c == 127)
                {
                    return false;
                }

                builder.Append(c);
                i++;
            }

            if (i >= text.Length)
            {
                return false;
            }

            local = builder.ToString();
            pos = i + 1;
            return true;
        }

        // Dot-string = Atom *("." Atom)
        int start = i;
        while (true)
        {
            int atomStart = i;
            while (i < text.Length && IsAtext(text[i]))
            {
                i++;
            }

            if (i == atomStart)
            {
                return false;
            }

            if (i < text.Length && text[i] == '.')
            {
                i++;
                continue;
            }

            break;
        }

        local = text[start..i];
        pos = i;
        return true;
    }

    private static bool TryParseDomainOrLiteral(string text, ref int pos, [NotNullWhen(true)] out string? domain)
    {
        if (pos < text.Length && text[pos] == '[')
        {
            return TryParseAddressLiteral(text, ref pos, out domain);
        }

        return TryParseDomain(text, ref pos, out domain);
    }

    private static bool TryParseDomain(string text, ref int pos, [NotNullWhen(true)] out string? domain)
    {
        // sub-domain = Let-dig [Ldh-str]; U-labels (RFC 6531) are taken as letters.
        domain = null;
        int i = pos;
        while (true)
        {
            int labelStart = i;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '-' || text[i] > 0x7F))
            {
                i++;
            }

            if (i == labelStart || text[labelStart] == '-' || text[i - 1] == '-' || i - labelStart > 63)
            {
                return false;
            }

            if (i < text.Length && text[i] == '.' && i + 1 < text.Length && IsLabelStart(text[i + 1]))
            {
                i++;
                continue;
            }

            break;
        }

        domain = text[pos..i];
        pos = i;
        return true;
    }

    private static bool IsLabelStart(char c) => char.IsAsciiLetterOrDigit(c) || c > 0x7F;

    private static bool TryParseAddressLiteral(string text, ref int pos, [NotNullWhen(true)] out string? literal)
    {
        literal = null;
        int close = text.IndexOf(']', pos);
        if (close < 0)
        {
            return false;
        }

        string inner = text[(pos + 1)..close];
        bool valid;
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            valid = IPAddress.TryParse(inner.AsSpan(5), out IPAddress? v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                && !inner.Contains('%', StringComparison.Ordinal);
        }
        else
        {
            // IPv4-address-literal = Snum 3("." Snum): exactly four dotted decimals.
            valid = inner.Split('.').Length == 4 && IPAddress.TryParse(inner, out IPAddress? v4)
                && v4.AddressFamily == AddressFamily.InterNetwork && inner.All(c => char.IsAsciiDigit(c) || c == '.');
        }

        if (!valid)
        {
            return false;
        }

        literal = text[pos..(close + 1)];
        pos = close + 1;
        return true;
    }
}
