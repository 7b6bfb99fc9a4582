// Encodes message content for DATA: dot-stuffing, CRLF line ends only, and the end-of-data mark (RFC 5321 §4.5.2).
using System.Buffers;

namespace Herald.Delivery.Outbound.Smtp;

/// <summary>
/// A streaming encoder for the DATA phase, the reverse of the server's decoder. A line that begins with
/// "." gets one more (RFC 5321 §4.5.2). Queued content already has CRLF line ends, but any bare CR or LF
/// is written as CRLF all the same: the wire must carry nothing that a receiver could read as a different
/// end of data (the SMTP smuggling variants). <see cref="Complete"/> ends the last line and writes the
/// CRLF "." CRLF mark.
/// </summary>
internal sealed class DotStuffer
{
    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    private bool _atLineStart = true;
    private bool _pendingCr;

    /// <summary>Encodes <paramref name="input"/>, which may end anywhere (inside a CRLF too), to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!input.IsEmpty)
        {
            if (_pendingCr)
            {
                // CR LF is a line end; a CR followed by anything else was a bare CR, written as CRLF.
                _pendingCr = false;
                output.Write(CrLf);
                _atLineStart = true;
                if (input[0] == (byte)'\n')
                {
                    input = input[1..];
                    continue;
                }
            }

            if (_atLineStart && input[0] == (byte)'.')
            {
                output.Write("."u8);
            }

            int stop = input.IndexOfAny((byte)'\r', (byte)'\n');
            if (stop < 0)
            {
                output.Write(input);
                _atLineStart = false;
                return;
            }

            if (stop > 0)
            {
                output.Write(input[..stop]);
                _atLineStart = false;
            }

            if (input[stop] == (byte)'\n')
            {
                output.Write(CrLf);
                _atLineStart = true;
            }
            else
            {
                _pendingCr = true;
            }

            input = input[(stop + 1)..];
        }
    }

    /// <summary>Ends the content: a CRLF when the last line is unfinished, then "." CRLF.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_pendingCr || !_atLineStart)
        {
            output.Write(CrLf);
        }

        output.Write(".\r\n"u8);
        _pendingCr = false;
        _atLineStart = true;
    }
}
