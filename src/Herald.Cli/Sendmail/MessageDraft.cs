// A message read from standard input by `herald sendmail`: line ends normalized, header fields split out.
using System.Text;

namespace Herald.Cli.Sendmail;

/// <summary>One header field as it was written, folded lines and all, with its name for look-ups.</summary>
internal sealed record HeaderField(string Name, string Raw)
{
    /// <summary>The value unfolded (RFC 5322 §2.2.3): what follows the colon, line breaks removed.</summary>
    public string Value
    {
        get
        {
            string value = Raw[(Raw.IndexOf(':', StringComparison.Ordinal) + 1)..];
            return value.Replace("\r\n", string.Empty, StringComparison.Ordinal).Trim();
        }
    }

    public bool Is(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The message as a local program handed it over. Programs write bare LF line ends, the queue keeps CRLF
/// (RFC 5322 §2.1): a bare LF or a bare CR ends a line here, as the server's <c>normalize</c> policy does,
/// so nothing like an SMTP smuggling sequence reaches the queue. A leading mbox <c>From </c> line is
/// dropped. Without -i a line holding a single dot ends the input, as in Sendmail's traditional mode.
/// </summary>
internal sealed class MessageDraft
{
    private MessageDraft(List<HeaderField> header, byte[] body, bool eightBit)
    {
        Header = header;
        Body = body;
        HasEightBitData = eightBit;
    }

    /// <summary>The header fields in order; callers remove and add fields before <see cref="Build"/>.</summary>
    public List<HeaderField> Header { get; }

    /// <summary>The body, CRLF line ends, without the blank line that separates it from the header.</summary>
    public byte[] Body { get; }

    /// <summary>Octets above 127 somewhere in the message: it is sent with BODY=8BITMIME (RFC 6152).</summary>
    public bool HasEightBitData { get; }

    /// <summary>Reads the message; null when it is larger than <paramref name="maxSize"/> octets.</summary>
    public static async Task<MessageDraft?> ReadAsync(Stream input, bool ignoreDots, long maxSize, CancellationToken cancellationToken)
    {
        var lines = new List<byte[]>();
        var line = new MemoryStream();
        long size = 0;
        byte[] buffer = new byte[16 * 1024];
        bool afterCr = false;
        bool ended = false;
        int read;
        while (!ended && (read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            for (int i = 0; i < read && !ended; i++)
            {
                byte b = buffer[i];
                if (b == (byte)'\n' && afterCr)
                {
                    // The LF of a CRLF whose CR already ended the line.
                    afterCr = false;
                    continue;
                }

                afterCr = b == (byte)'\r';
                if (b is (byte)'\n' or (byte)'\r')
                {
                    ended = EndLine();
                    continue;
                }

                line.WriteByte(b);
            }
        }

        if (!ended && line.Length > 0)
        {
            EndLine();
        }

        if (size > maxSize)
        {
            return null;
        }

        return Parse(lines);

        bool EndLine()
        {
            byte[] bytes = line.ToArray();
            line.SetLength(0);
            if (!ignoreDots && bytes is [(byte)'.'])
            {
                return true;
            }

            size += bytes.Length + 2;
            if (size <= maxSize)
            {
                lines.Add(bytes);
            }

            return false;
        }
    }

    /// <summary>The whole message: <paramref name="prepend"/> (trace fields), the header fields, a blank line, the body.</summary>
    public byte[] Build(string prepend)
    {
        var output = new MemoryStream(Body.Length + 2048);
        output.Write(Encoding.UTF8.GetBytes(prepend));
        foreach (HeaderField field in Header)
        {
            output.Write(Encoding.UTF8.GetBytes(field.Raw));
            output.Write("\r\n"u8);
        }

        output.Write("\r\n"u8);
        output.Write(Body);
        return output.ToArray();
    }

    private static MessageDraft Parse(List<byte[]> lines)
    {
        bool eightBit = lines.Any(l => l.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0);
        int index = 0;
        if (lines.Count > 0 && lines[0].AsSpan().StartsWith("From "u8))
        {
            // The mbox separator some programs leave on top; it is not a header field (RFC 4155).
            index = 1;
        }

        var header = new List<HeaderField>();
        for (; index < lines.Count; index++)
        {
            string text = Encoding.UTF8.GetString(lines[index]);
            if (text.Length == 0)
            {
                index++;
                break;
            }

            if (text[0] is ' ' or '\t' && header.Count > 0)
            {
                HeaderField last = header[^1];
                header[^1] = last with { Raw = last.Raw + "\r\n" + text };
                continue;
            }

            int colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsFieldName(text.AsSpan(0, colon)))
            {
                // Not a header field: the message has no (more) header, and this line begins the body.
                break;
            }

            header.Add(new HeaderField(text[..colon], text));
        }

        var body = new MemoryStream();
        for (; index < lines.Count; index++)
        {
            body.Write(lines[index]);
            body.Write("\r\n"u8);
        }

        return new MessageDraft(header, body.ToArray(), eightBit);
    }

    // RFC 5322 §3.6.8: printable US-ASCII except the colon.
    private static bool IsFieldName(ReadOnlySpan<char> name)
    {
        foreach (char c in name)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
