// The xtext encoding of DSN parameter values (RFC 3461 §4): printable ASCII as itself, anything else as "+HH".
using System.Text;

namespace Herald.Protocol.Commands;

/// <summary>
/// Encodes and decodes xtext. <c>xchar</c> is any ASCII character from "!" to "~" except "+" and "=";
/// every other octet is written as "+" and two upper-case hex digits. Decoding also takes lower-case hex,
/// as some clients write it, and refuses anything that is not xtext.
/// </summary>
public static class Xtext
{
    // Strict: "+C3+A9" that is not valid UTF-8 is a bad value, not a string with replacement characters.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="value"/>; false when it is not xtext or does not decode to UTF-8 text.</summary>
    /// <param name="value">The parameter value as sent.</param>
    /// <param name="allowUtf8">
    /// Whether raw UTF-8 characters may stand for themselves: RFC 6533 §3 lets a <c>utf-8</c> ORCPT carry them
    /// in a session that said SMTPUTF8. Plain xtext is ASCII only.
    /// </param>
    /// <param name="text">The decoded text.</param>
    public static bool TryDecode(string value, bool allowUtf8, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        ArgumentNullException.ThrowIfNull(value);
        text = null;
        var bytes = new List<byte>(value.Length);
        Span<byte> scratch = stackalloc byte[4];
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigit(value[i + 1]) || !char.IsAsciiHexDigit(value[i + 2]))
                {
                    return false;
                }

                bytes.Add((byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2])));
                i += 2;
            }
            else if (IsXchar(c))
            {
                bytes.Add((byte)c);
            }
            else if (allowUtf8 && c > 0x7F)
            {
                if (!Rune.TryGetRuneAt(value, i, out Rune rune))
                {
                    return false;
                }

                int written = rune.EncodeToUtf8(scratch);
                bytes.AddRange(scratch[..written]);
                i += rune.Utf16SequenceLength - 1;
            }
            else
            {
                return false;
            }
        }

        try
        {
            text = Utf8.GetString([.. bytes]);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Encodes <paramref name="text"/> as xtext: its UTF-8 octets, each outside <c>xchar</c> as "+HH".</summary>
    public static string Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (byte b in Utf8.GetBytes(text))
        {
            if (IsXchar((char)b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('+').Append(Convert.ToHexString([b]));
            }
        }

        return builder.ToString();
    }

    private static bool IsXchar(char c) => c is >= '!' and <= '~' and not '+' and not '=';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
