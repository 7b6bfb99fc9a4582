// The ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2): SIZE, BODY, SMTPUTF8, AUTH, and the DSN extension's
// RET, ENVID, NOTIFY and ORCPT (RFC 3461).
using System.Globalization;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Commands;

/// <summary>
/// Parses the parameters after the path of MAIL FROM and RCPT TO. Each answers null and fills in its record,
/// or answers the reply that refuses the parameters: 501 5.5.4 for a bad value or a keyword given twice,
/// 555 5.5.4 for a keyword Herald does not know.
/// </summary>
internal static class EsmtpParameters
{
    /// <summary>RFC 3461 §4.4: an ENVID value is at most 100 characters of xtext.</summary>
    private const int MaxEnvelopeIdLength = 100;

    /// <summary>RFC 3461 §4.2: an ORCPT value is at most 500 characters.</summary>
    private const int MaxOriginalRecipientLength = 500;

    /// <summary>The parameters of MAIL FROM, from <paramref name="pos"/> (just after the path) on.</summary>
    public static SmtpReply? ForMail(string args, int pos, out MailParameters parameters)
    {
        parameters = MailParameters.None;
        List<(string Keyword, string? Value)> items = Split(args, pos, out SmtpReply? error);
        foreach ((string keyword, string? value) in items)
        {
            error ??= keyword.ToUpperInvariant() switch
            {
                "SIZE" => ParseSize(value, ref parameters),
                "BODY" => ParseBody(value, ref parameters),
                "SMTPUTF8" => value is null ? Set(ref parameters, parameters with { SmtpUtf8 = true }) : SmtpReplies.BadParameter.Render("SMTPUTF8 takes no value"),
                "RET" => ParseReturn(value, ref parameters),
                "ENVID" => ParseEnvelopeId(value, ref parameters),
                "AUTH" => ParseAuthParameter(value),
                _ => SmtpReplies.UnsupportedOption.Render(keyword),
            };
        }

        return error;
    }

    /// <summary>The parameters of RCPT TO, from <paramref name="pos"/> (just after the path) on.</summary>
    public static SmtpReply? ForRcpt(string args, int pos, out RecipientParameters parameters)
    {
        parameters = RecipientParameters.None;
        List<(string Keyword, string? Value)> items = Split(args, pos, out SmtpReply? error);
        foreach ((string keyword, string? value) in items)
        {
            error ??= keyword.ToUpperInvariant() switch
            {
                "NOTIFY" => ParseNotify(value, ref parameters),
                "ORCPT" => ParseOriginalRecipient(value, ref parameters),
                _ => SmtpReplies.UnsupportedOption.Render(keyword),
            };
        }

        return error;
    }

    /// <summary>Splits <c>SP esmtp-keyword ["=" esmtp-value]</c> items (RFC 5321 §4.1.2); a keyword given twice is an error.</summary>
    private static List<(string Keyword, string? Value)> Split(string args, int pos, out SmtpReply? error)
    {
        error = null;
        var list = new List<(string, string?)>();
        if (pos < args.Length && args[pos] != ' ')
        {
            error = SmtpReplies.BadAddressSyntax.Render(SmtpCommandParser.Shorten(args));
            return list;
        }

        foreach (string item in args[pos..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            string keyword = eq < 0 ? item : item[..eq];
            string? value = eq < 0 ? null : item[(eq + 1)..];
            if (keyword.Length == 0 || !char.IsAsciiLetterOrDigit(keyword[0]) || !keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                || (value is not null && (value.Length == 0 || value.Contains('=', StringComparison.Ordinal))))
            {
                error = SmtpReplies.BadParameter.Render(SmtpCommandParser.Shorten(item));
                return list;
            }

            if (list.Exists(p => string.Equals(p.Item1, keyword, StringComparison.OrdinalIgnoreCase)))
            {
                error = SmtpReplies.BadParameter.Render("duplicate " + keyword);
                return list;
            }

            list.Add((keyword, value));
        }

        return list;
    }

    // Each parameter parser sets its field and returns null, or returns the reply that refuses the value.
    private static SmtpReply? ParseSize(string? value, ref MailParameters parameters)
    {
        // RFC 1870 §6: size-value = 1*20DIGIT.
        if (value is null || value.Length > 20 || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            return SmtpReplies.BadParameter.Render("SIZE=" + value);
        }

        return Set(ref parameters, parameters with { Size = size });
    }

    private static SmtpReply? ParseBody(string? value, ref MailParameters parameters)
    {
        if (string.Equals(value, "8BITMIME", StringComparison.OrdinalIgnoreCase))
        {
            return Set(ref parameters, parameters with { Body = BodyType.EightBitMime });
        }

        if (string.Equals(value, "7BIT", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // BINARYMIME is not offered (RFC 3030 §3): an unknown body type is an unsupported option.
        return value is null ? SmtpReplies.BadParameter.Render("BODY") : SmtpReplies.UnsupportedOption.Render("BODY=" + value);
    }

    private static SmtpReply? ParseReturn(string? value, ref MailParameters parameters) => value?.ToUpperInvariant() switch
    {
        "FULL" => Set(ref parameters, parameters with { Return = DsnReturn.Full }),
        "HDRS" => Set(ref parameters, parameters with { Return = DsnReturn.Headers }),
        _ => SmtpReplies.BadParameter.Render("RET=" + value + " (FULL or HDRS)"),
    };

    private static SmtpReply? ParseEnvelopeId(string? value, ref MailParameters parameters)
    {
        // RFC 3461 §4.4: at most 100 characters of xtext, decoding to printable US-ASCII.
        if (value is null || value.Length > MaxEnvelopeIdLength
            || !Xtext.TryDecode(value, allowUtf8: false, out string? id) || !id.All(c => c is >= ' ' and <= '~'))
        {
            return SmtpReplies.BadParameter.Render("ENVID=" + SmtpCommandParser.Shorten(value ?? string.Empty));
        }

        return Set(ref parameters, parameters with { EnvelopeId = id });
    }

    /// <summary>
    /// AUTH= on MAIL (RFC 4954 §5) names who submitted the message first. Clients such as Postfix send
    /// <c>AUTH=&lt;&gt;</c> whenever AUTH is offered, so it is accepted when well formed; the identity is not
    /// kept, which §5 allows ("the server MAY ... treat it as &lt;&gt;").
    /// </summary>
    private static SmtpReply? ParseAuthParameter(string? value) =>
        value is not null && (value == "<>" || Xtext.TryDecode(value, allowUtf8: false, out _))
            ? null
            : SmtpReplies.BadParameter.Render("AUTH=" + SmtpCommandParser.Shorten(value ?? string.Empty));

    private static SmtpReply? ParseNotify(string? value, ref RecipientParameters parameters)
    {
        // RFC 3461 §4.1: "NEVER", or a comma-separated list of SUCCESS, FAILURE and DELAY.
        DsnNotify notify = DsnNotify.None;
        foreach (string condition in (value ?? string.Empty).Split(','))
        {
            DsnNotify flag = condition.ToUpperInvariant() switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => DsnNotify.None,
            };
            if (flag == DsnNotify.None || (notify & flag) != 0 || (notify != DsnNotify.None && (flag | notify).HasFlag(DsnNotify.Never)))
            {
                return SmtpReplies.BadParameter.Render("NOTIFY=" + SmtpCommandParser.Shorten(value ?? string.Empty) + " (NEVER, or SUCCESS, FAILURE and DELAY)");
            }

            notify |= flag;
        }

        return Set(ref parameters, parameters with { Notify = notify });
    }

    private static SmtpReply? ParseOriginalRecipient(string? value, ref RecipientParameters parameters)
    {
        // RFC 3461 §4.2: addr-type ";" xtext, at most 500 characters; addr-type is an atom such as rfc822.
        int semicolon = value?.IndexOf(';', StringComparison.Ordinal) ?? -1;
        if (value is null || value.Length > MaxOriginalRecipientLength || semicolon <= 0
            || !value[..semicolon].All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            || !Xtext.TryDecode(value[(semicolon + 1)..], allowUtf8: value[..semicolon].Equals("utf-8", StringComparison.OrdinalIgnoreCase), out string? address)
            || address.Length == 0)
        {
            return SmtpReplies.BadParameter.Render("ORCPT=" + SmtpCommandParser.Shorten(value ?? string.Empty));
        }

        return Set(ref parameters, parameters with { OriginalRecipient = new OriginalRecipient(value[..semicolon].ToLowerInvariant(), address) });
    }

    private static SmtpReply? Set<T>(ref T parameters, T value)
    {
        parameters = value;
        return null;
    }
}
