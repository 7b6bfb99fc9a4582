// A three-digit SMTP reply code as a value (RFC 5321 §4.2).
using System.Globalization;

namespace Herald.Protocol.Replies;

/// <summary>A basic SMTP reply code such as 250, 421 or 521.</summary>
public readonly record struct ReplyCode
{
    public ReplyCode(int value)
    {
        // RFC 5321 §4.2: the first digit is 2..5, the second 0..5, the third 0..9.
        if (value is < 200 or > 559 || value / 10 % 10 > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "An SMTP reply code is 2yz..5yz with y in 0..5.");
        }

        Value = value;
    }

    public int Value { get; }

    public ReplyClass Class => (ReplyClass)(Value / 100);

    /// <summary>True for 4yz: a sending MTA keeps the message and tries again later.</summary>
    public bool IsTransient => Class == ReplyClass.TransientNegative;

    /// <summary>True for 5yz: a sending MTA gives up and bounces.</summary>
    public bool IsPermanent => Class == ReplyClass.PermanentNegative;

    public bool IsPositive => Class is ReplyClass.PositiveCompletion or ReplyClass.PositiveIntermediate;

    public static bool TryParse(ReadOnlySpan<char> text, out ReplyCode code)
    {
        code = default;
        if (text.Length != 3 || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            || value is < 200 or > 559 || value / 10 % 10 > 5)
        {
            return false;
        }

        code = new ReplyCode(value);
        return true;
    }

    public static implicit operator ReplyCode(int value) => new(value);

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
