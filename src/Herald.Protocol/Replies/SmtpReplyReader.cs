// Reads replies off the wire, single- and multi-line, for the SMTP client side (RFC 5321 §4.2.1).
using System.Buffers;
using System.Text;

namespace Herald.Protocol.Replies;

/// <summary>
/// Parses one complete reply from received bytes. Like the command parser it keeps no state:
/// it returns false, consuming nothing, until the last line of the reply has arrived.
/// </summary>
public static class SmtpReplyReader
{
    /// <summary>Lines longer than this are not SMTP (RFC 5321 §4.5.3.1.5 allows 512 octets).</summary>
    public const int MaxLineLength = 4096;

    /// <summary>
    /// Reads one reply. The enhanced code is taken from the first line when present and consistent
    /// on every line (RFC 2034 §3). Throws <see cref="FormatException"/> for bytes that are not a reply.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out SmtpReply? reply)
    {
        reply = null;
        var reader = new SequenceReader<byte>(buffer);
        var lines = new List<string>();
        int code = 0;
        while (true)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> raw, (byte)'\n'))
            {
                if (reader.Remaining > MaxLineLength)
                {
                    throw new FormatException("Reply line too long.");
                }

                return false;
            }

            string line = Encoding.UTF8.GetString(raw).TrimEnd('\r');
            if (line.Length < 3 || !ReplyCode.TryParse(line.AsSpan(0, 3), out ReplyCode lineCode)
                || (line.Length > 3 && line[3] is not (' ' or '-')))
            {
                throw new FormatException($"Not an SMTP reply line: '{Shorten(line)}'.");
            }

            if (code != 0 && lineCode.Value != code)
            {
                throw new FormatException($"Reply lines disagree on the code: {code} then {lineCode}.");
            }

            code = lineCode.Value;
            lines.Add(line.Length > 4 ? line[4..] : string.Empty);
            if (line.Length == 3 || line[3] == ' ')
            {
                break;
            }
        }

        buffer = buffer.Slice(reader.Position);
        reply = Assemble(new ReplyCode(code), lines);
        return true;
    }

    /// <summary>Splits off an enhanced code shared by every line, as servers that speak ENHANCEDSTATUSCODES send it.</summary>
    private static SmtpReply Assemble(ReplyCode code, List<string> lines)
    {
        string first = lines[0];
        int space = first.IndexOf(' ', StringComparison.Ordinal);
        string candidate = space < 0 ? first : first[..space];
        if (EnhancedStatusCode.TryParse(candidate, out EnhancedStatusCode enhanced)
            && (enhanced.Class == code.Value / 100 || (code.Class == ReplyClass.PositiveIntermediate && enhanced.Class == 2))
            && lines.TrueForAll(l => l.StartsWith(candidate, StringComparison.Ordinal)))
        {
            string[] texts = [.. lines.Select(l => l.Length > candidate.Length ? l[(candidate.Length + 1)..] : string.Empty)];
            return new SmtpReply(code, enhanced, texts);
        }

        return new SmtpReply(code, null, lines);
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
