// An enhanced mail system status code, class.subject.detail (RFC 3463, registry of RFC 5248).
using System.Globalization;

namespace Herald.Protocol.Replies;

/// <summary>An enhanced status code such as 4.3.2 or 5.1.10.</summary>
public readonly record struct EnhancedStatusCode
{
    public EnhancedStatusCode(int @class, int subject, int detail)
    {
        // RFC 3463 §2: class is 2, 4 or 5; subject and detail are 1 to 3 digits each.
        if (@class is not (2 or 4 or 5))
        {
            throw new ArgumentOutOfRangeException(nameof(@class), @class, "The class of an enhanced status code is 2, 4 or 5.");
        }

        if (subject is < 0 or > 999 || detail is < 0 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(subject), "Subject and detail are 1 to 3 digits.");
        }

        Class = @class;
        Subject = subject;
        Detail = detail;
    }

    public int Class { get; }

    public int Subject { get; }

    public int Detail { get; }

    public static EnhancedStatusCode Parse(string text) =>
        TryParse(text, out EnhancedStatusCode code)
            ? code
            : throw new FormatException($"'{text}' is not an enhanced status code (class.subject.detail).");

    public static bool TryParse(ReadOnlySpan<char> text, out EnhancedStatusCode code)
    {
        code = default;
        Span<Range> parts = stackalloc Range[4];
        if (text.Split(parts, '.') != 3)
        {
            return false;
        }

        if (!TryDigits(text[parts[0]], 1, out int c) || !TryDigits(text[parts[1]], 3, out int s) || !TryDigits(text[parts[2]], 3, out int d)
            || c is not (2 or 4 or 5))
        {
            return false;
        }

        code = new EnhancedStatusCode(c, s, d);
        return true;
    }

    /// <summary>The same subject and detail under another class, e.g. 4.7.1 from 5.7.1.</summary>
    public EnhancedStatusCode WithClass(int @class) => new(@class, Subject, Detail);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Class}.{Subject}.{Detail}");

    private static bool TryDigits(ReadOnlySpan<char> text, int maxDigits, out int value)
    {
        value = 0;
        return text.Length >= 1 && text.Length <= maxDigits
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
