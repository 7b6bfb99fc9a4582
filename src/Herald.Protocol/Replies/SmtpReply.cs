// One SMTP reply as a value: code, optional enhanced code, one or more text lines (RFC 5321 §4.2.1).
using System.Buffers;
using System.Globalization;
using System.Text;

namespace Herald.Protocol.Replies;

/// <summary>
/// A complete SMTP reply. Whether it is transient or permanent is computed from the code,
/// never stored beside it, so the two can never disagree.
/// </summary>
public sealed record SmtpReply
{
    public SmtpReply(ReplyCode code, EnhancedStatusCode? enhanced, IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            lines = [string.Empty];
        }

        foreach (string line in lines)
        {
            if (line.AsSpan().ContainsAny('\r', '\n'))
            {
                throw new ArgumentException("Reply text must not contain line breaks; pass one line per element.", nameof(lines));
            }
        }

        // RFC 3463 §2: the class of the enhanced code matches the first digit of the basic code.
        if (enhanced is { } e && e.Class != code.Value / 100 && !(code.Class == ReplyClass.PositiveIntermediate && e.Class == 2))
        {
            throw new ArgumentException($"Enhanced code {e} does not match reply code {code}.", nameof(enhanced));
        }

        Code = code;
        Enhanced = enhanced;
        Lines = lines;
    }

    public SmtpReply(ReplyCode code, EnhancedStatusCode? enhanced, string text)
        : this(code, enhanced, [text])
    {
    }

    public ReplyCode Code { get; }

    public EnhancedStatusCode? Enhanced { get; }

    public IReadOnlyList<string> Lines { get; }

    public ReplyClass Class => Code.Class;

    public bool IsTransient => Code.IsTransient;

    public bool IsPermanent => Code.IsPermanent;

    public bool IsPositive => Code.IsPositive;

    /// <summary>The text of all lines joined by a space, without codes.</summary>
    public string Text => string.Join(' ', Lines);

    /// <summary>
    /// Writes the reply in wire form: every line but the last as <c>code-</c>, the last as <c>code SP</c>
    /// (RFC 5321 §4.2.1), each prefixed by the enhanced code when there is one (RFC 2034 §4).
    /// </summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        for (int i = 0; i < Lines.Count; i++)
        {
            string line = FormatLine(i);
            int max = Encoding.UTF8.GetMaxByteCount(line.Length);
            Span<byte> span = output.GetSpan(max);
            int written = Encoding.UTF8.GetBytes(line, span);
            output.Advance(written);
        }
    }

    /// <summary>The reply exactly as it goes on the wire, CRLF included.</summary>
    public string ToWireString()
    {
        var builder = new StringBuilder();
        for (int i = 0; i < Lines.Count; i++)
        {
            builder.Append(FormatLine(i));
        }

        return builder.ToString();
    }

    /// <summary>The reply on one line, as it is written to logs and bounces: "421 4.3.2 text".</summary>
    public override string ToString() =>
        Enhanced is { } e
            ? string.Create(CultureInfo.InvariantCulture, $"{Code} {e} {Text}")
            : string.Create(CultureInfo.InvariantCulture, $"{Code} {Text}");

    private string FormatLine(int index)
    {
        char separator = index == Lines.Count - 1 ? ' ' : '-';
        string text = Lines[index];
        return Enhanced is { } e
            ? string.Create(CultureInfo.InvariantCulture, $"{Code}{separator}{e} {text}\r\n")
            : string.Create(CultureInfo.InvariantCulture, $"{Code}{separator}{text}\r\n");
    }
}
