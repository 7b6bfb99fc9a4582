// Finds the reply code and enhanced status code in whatever a person pastes: a bare code, a reply
// line, a multi-line reply, a DSN Diagnostic-Code field or a line from an MTA's log.
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Knowledge;

/// <summary>
/// Reads codes out of text meant for people. It looks, in order, for a reply line
/// (<c>code SP/- [enhanced] text</c>, RFC 5321 §4.2, RFC 2034 §4), then a code followed by an
/// enhanced code anywhere in a line (as in "host x said: 550 5.1.1 ..."), then an enhanced code
/// alone (as in "dsn=5.1.1" or "Status: 5.1.1") with a code after a colon if there is one.
/// </summary>
public static partial class ReplyLineParser
{
    // A reply code is 2yz..5yz with y in 0..5 (RFC 5321 §4.2); an enhanced code is
    // class.subject.detail with class 2, 4 or 5 and up to three digits each (RFC 3463 §2).
    private const string Basic = "[2-5][0-5][0-9]";
    private const string Enhanced = @"[245]\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9])(?!\.[0-9])";

    /// <summary>Finds the codes in <paramref name="input"/>; false when it holds neither a reply code nor an enhanced code.</summary>
    public static bool TryParse(string? input, [NotNullWhen(true)] out ParsedReply? reply)
    {
        reply = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            return false;
        }

        string[] lines = [.. input.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(StripFieldName)
            .Where(line => line.Length > 0)];

        reply = FromReplyLines(lines) ?? FromCodePair(lines) ?? FromLooseCodes(lines);
        return reply is not null;
    }

    /// <summary>
    /// "Diagnostic-Code: smtp; 550 ..." and "Status: 5.1.1" (RFC 3464 §2.3.4, §2.3.6) lose their field
    /// name and diagnostic type, so what is left reads like the reply itself.
    /// </summary>
    private static string StripFieldName(string line)
    {
        Match field = FieldPrefix().Match(line);
        return field.Success ? line[field.Length..].Trim() : line;
    }

    /// <summary>One reply in wire form, possibly over several lines "250-..." ending with "250 ...".</summary>
    private static ParsedReply? FromReplyLines(string[] lines)
    {
        ReplyCode? code = null;
        EnhancedStatusCode? enhanced = null;
        var text = new List<string>();
        foreach (string line in lines)
        {
            Match match = ReplyLine().Match(line);
            if (!match.Success || (code is { } first && first.ToString() != match.Groups["code"].Value))
            {
                if (code is not null)
                {
                    break;
                }

                continue;
            }

            code ??= ParseCode(match.Groups["code"].Value);
            if (enhanced is null && match.Groups["enhanced"].Success)
            {
                enhanced = EnhancedStatusCode.Parse(match.Groups["enhanced"].Value);
            }

            if (match.Groups["text"].Value.Length > 0)
            {
                text.Add(match.Groups["text"].Value.Trim());
            }

            // RFC 5321 §4.2.1: a hyphen after the code means more lines follow; a space ends the reply.
            if (match.Groups["separator"].Value != "-")
            {
                break;
            }
        }

        return code is null ? null : new ParsedReply(code, enhanced, string.Join(' ', text));
    }

    private static ParsedReply? FromCodePair(string[] lines)
    {
        foreach (string line in lines)
        {
            Match match = CodePair().Match(line);
            if (match.Success)
            {
                return new ParsedReply(
                    ParseCode(match.Groups["code"].Value),
                    EnhancedStatusCode.Parse(match.Groups["enhanced"].Value),
                    line[(match.Index + match.Length)..].Trim());
            }
        }

        return null;
    }

    private static ParsedReply? FromLooseCodes(string[] lines)
    {
        EnhancedStatusCode? enhanced = null;
        ReplyCode? code = null;
        string text = string.Empty;
        foreach (string line in lines)
        {
            if (enhanced is null && LooseEnhanced().Match(line) is { Success: true } e)
            {
                enhanced = EnhancedStatusCode.Parse(e.Value);
                text = line[(e.Index + e.Length)..].Trim();
            }

            if (code is null && CodeAfterColon().Match(line) is { Success: true } c)
            {
                code = ParseCode(c.Value);
                text = line[(c.Index + c.Length)..].Trim();
            }
        }

        return code is null && enhanced is null ? null : new ParsedReply(code, enhanced, text);
    }

    private static ReplyCode ParseCode(string digits) =>
        ReplyCode.TryParse(digits, out ReplyCode code) ? code : throw new FormatException($"'{digits}' is not a reply code.");

    [GeneratedRegex(@"^(?:diagnostic-code|status)\s*:\s*(?:[a-z0-9-]+\s*;)?\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FieldPrefix();

    [GeneratedRegex($@"^(?<code>{Basic})(?:(?<separator>[ -])\s*(?:(?<enhanced>{Enhanced})(?=\s|$))?\s*(?<text>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ReplyLine();

    [GeneratedRegex($@"(?<![\w.])(?<code>{Basic})[ -](?<enhanced>{Enhanced})(?=[\s,;:)]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex CodePair();

    [GeneratedRegex($@"(?<![\w.])({Enhanced})", RegexOptions.CultureInvariant)]
    private static partial Regex LooseEnhanced();

    [GeneratedRegex($@"(?<=:\s*){Basic}(?=[ -]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex CodeAfterColon();
}
