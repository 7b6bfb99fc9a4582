// Reads the body of DATA: undoes dot-stuffing and finds the end-of-data mark (RFC 5321 §4.1.1.4, §4.5.2).
using System.Buffers;
using Herald.Protocol.Commands;

namespace Herald.Protocol.Data;

/// <summary>What a call to <see cref="DataDecoder.Decode"/> found.</summary>
public enum DataDecodeStatus
{
    /// <summary>All complete input was decoded; more is needed.</summary>
    NeedMoreData,

    /// <summary>The end-of-data mark was read; the message is complete.</summary>
    Completed,
}

/// <summary>
/// A streaming decoder for the DATA phase. It writes the message, unstuffed and with CRLF line ends,
/// to an <see cref="IBufferWriter{T}"/> as bytes arrive, so a message is never held whole in memory.
/// Only CRLF "." CRLF ends the message: the smuggling variants (LF "." LF, CR "." CR, CRLF "." LF, ...)
/// never do, whatever the <see cref="LineEndingPolicy"/>.
/// </summary>
public sealed class DataDecoder
{
    private readonly LineEndingPolicy _policy;

    // True at the start of a line; the line before it ended with a real CRLF when _afterCrLf is set.
    // DATA begins after the CRLF of the DATA command, so an immediate "." CRLF is an empty message.
    private bool _atLineStart = true;
    private bool _afterCrLf = true;

    public DataDecoder(LineEndingPolicy policy) => _policy = policy;

    /// <summary>The first bare line end seen, if any; under <see cref="LineEndingPolicy.Reject"/> the message is refused for it.</summary>
    public LineEnding? BareLineEnding { get; private set; }

    /// <summary>Octets written to the output so far: the stored size of the message.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Prepares the decoder for the next message.</summary>
    public void Reset()
    {
        _atLineStart = true;
        _afterCrLf = true;
        BareLineEnding = null;
        BytesWritten = 0;
    }

    /// <summary>
    /// Decodes as much of <paramref name="input"/> as can be decided now, writing to <paramref name="output"/>
    /// (or discarding when it is null, once a message is known to be refused). <paramref name="consumed"/>
    /// is where the caller resumes; bytes after it are an undecided tail (a CR, a "." at a line start) or,
    /// when completed, the commands that follow the message.
    /// </summary>
    public DataDecodeStatus Decode(ReadOnlySequence<byte> input, IBufferWriter<byte>? output, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(input);
        while (!reader.End)
        {
            if (_atLineStart && reader.TryPeek(out byte first) && first == (byte)'.')
            {
                // ".": the end mark when it is CRLF "." CRLF, else a stuffed dot to drop (RFC 5321 §4.5.2).
                if (!reader.TryPeek(1, out byte second))
                {
                    break;
                }

                if (second == (byte)'\r')
                {
                    if (!reader.TryPeek(2, out byte third))
                    {
                        break;
                    }

                    if (third == (byte)'\n' && _afterCrLf)
                    {
                        reader.Advance(3);
                        consumed = reader.Position;
                        return DataDecodeStatus.Completed;
                    }
                }

                reader.Advance(1);
                _atLineStart = false;
                continue;
            }

            _atLineStart = false;
            ReadOnlySpan<byte> span = reader.UnreadSpan;
            int stop = span.IndexOfAny((byte)'\r', (byte)'\n');
            if (stop < 0)
            {
                Write(output, span);
                reader.Advance(span.Length);
                continue;
            }

            Write(output, span[..stop]);
            reader.Advance(stop);
            reader.TryRead(out byte end);
            if (end == (byte)'\n')
            {
                EndLine(output, LineEnding.BareLf);
                continue;
            }

            if (!reader.TryPeek(out byte afterCr))
            {
                reader.Rewind(1);
                break;
            }

            if (afterCr == (byte)'\n')
            {
                reader.Advance(1);
                EndLine(output, LineEnding.CrLf);
            }
            else
            {
                EndLine(output, LineEnding.BareCr);
            }
        }

        consumed = reader.Position;
        return DataDecodeStatus.NeedMoreData;
    }

    private void EndLine(IBufferWriter<byte>? output, LineEnding ending)
    {
        if (ending != LineEnding.CrLf)
        {
            BareLineEnding ??= ending;
        }

        // Every line end is stored as CRLF, so nothing downstream ever sees a bare one.
        Write(output, "\r\n"u8);
        _atLineStart = true;
        _afterCrLf = ending == LineEnding.CrLf;
    }

    private void Write(IBufferWriter<byte>? output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        BytesWritten += bytes.Length;
        output?.Write(bytes);
    }
}
