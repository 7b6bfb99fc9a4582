// The identifier of a queued message, in every 250 reply, log line and queue file name.
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Herald.Queue;

/// <summary>
/// A queue id: 16 characters of Crockford base32, time-ordered (the first 10 encode the arrival time
/// in milliseconds) and unique (the last 6 are random), so ids sort by arrival and are safe as file names.
/// </summary>
public readonly record struct QueueId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public const int Length = 16;

    private QueueId(string value) => Value = value;

    public string Value { get; }

    public static QueueId New(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        long millis = time.GetUtcNow().ToUnixTimeMilliseconds();
        Span<char> chars = stackalloc char[Length];
        for (int i = 9; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(millis & 31)];
            millis >>= 5;
        }

        Span<byte> random = stackalloc byte[6];
        RandomNumberGenerator.Fill(random);
        for (int i = 0; i < 6; i++)
        {
            chars[10 + i] = Alphabet[random[i] & 31];
        }

        return new QueueId(new string(chars));
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out QueueId? id)
    {
        id = null;
        if (text is null || text.Length != Length)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        id = new QueueId(text);
        return true;
    }

    /// <summary>The arrival time the id encodes, to the millisecond.</summary>
    public DateTimeOffset Timestamp
    {
        get
        {
            long millis = 0;
            foreach (char c in Value.AsSpan(0, 10))
            {
                millis = (millis << 5) | (long)Alphabet.IndexOf(c, StringComparison.Ordinal);
            }

            return DateTimeOffset.FromUnixTimeMilliseconds(millis);
        }
    }

    public static QueueId Parse(string text) =>
        TryParse(text, out QueueId? id) ? id.Value : throw new FormatException($"'{text}' is not a queue id.");

    public override string ToString() => Value;
}
