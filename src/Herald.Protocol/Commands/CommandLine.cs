// Framing of command lines with a hard length limit, before any parsing (RFC 5321 §4.5.3.1.4).
using System.Buffers;

namespace Herald.Protocol.Commands;

/// <summary>How a framed command line ended.</summary>
public enum LineEnding
{
    /// <summary>CRLF, as RFC 5321 requires.</summary>
    CrLf,

    /// <summary>A bare LF.</summary>
    BareLf,

    /// <summary>A bare CR followed by something other than LF.</summary>
    BareCr,
}

/// <summary>Finds command lines in received bytes.</summary>
public static class CommandLine
{
    /// <summary>RFC 5321 §4.5.3.1.4: 512 octets including the CRLF.</summary>
    public const int DefaultMaxLength = 512;

    /// <summary>
    /// Takes one complete line from the front of <paramref name="buffer"/>. Returns false, consuming
    /// nothing, when no line end is there yet. Returns true with <paramref name="tooLong"/> set, and the
    /// buffer advanced past the bytes seen, when the line exceeds <paramref name="maxLength"/>: the
    /// caller then discards up to the next line end with <see cref="TrySkipRestOfLine"/>.
    /// Only <paramref name="maxLength"/> bytes are ever searched, so a line can never grow without bound.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line, out LineEnding ending, out bool tooLong)
    {
        line = default;
        ending = LineEnding.CrLf;
        tooLong = false;

        ReadOnlySequence<byte> window = buffer.Length > maxLength ? buffer.Slice(0, maxLength) : buffer;
        var reader = new SequenceReader<byte>(window);
        while (reader.TryAdvanceToAny("\r\n"u8, advancePastDelimiter: false))
        {
            SequencePosition end = reader.Position;
            reader.TryRead(out byte b);
            if (b == (byte)'\n')
            {
                line = buffer.Slice(0, end);
                ending = LineEnding.BareLf;
                buffer = buffer.Slice(reader.Position);
                return true;
            }

            // A CR: the byte after it decides, and it may not have arrived yet.
            if (!reader.TryPeek(out byte next))
            {
                if (window.Length < buffer.Length)
                {
                    // The CR is the last byte of the window but more follows: look one byte on.
                    ReadOnlySequence<byte> after = buffer.Slice(reader.Position);
                    next = after.FirstSpan[0];
                    line = buffer.Slice(0, end);
                    ending = next == (byte)'\n' ? LineEnding.CrLf : LineEnding.BareCr;
                    buffer = buffer.Slice(next == (byte)'\n' ? after.GetPosition(1) : reader.Position);
                    return true;
                }

                return false;
            }

            line = buffer.Slice(0, end);
            if (next == (byte)'\n')
            {
                reader.Advance(1);
                ending = LineEnding.CrLf;
            }
            else
            {
                ending = LineEnding.BareCr;
            }

            buffer = buffer.Slice(reader.Position);
            return true;
        }

        if (buffer.Length >= maxLength)
        {
            tooLong = true;
            buffer = buffer.Slice(window.End);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Discards bytes up to and including the next LF. Returns true when the line end was found;
    /// false when all of <paramref name="buffer"/> was discarded and the line goes on.
    /// </summary>
    public static bool TrySkipRestOfLine(ref ReadOnlySequence<byte> buffer)
    {
        SequencePosition? lf = buffer.PositionOf((byte)'\n');
        if (lf is null)
        {
            buffer = buffer.Slice(buffer.End);
            return false;
        }

        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        return true;
    }
}
