// The per-message journal of recipient outcomes: append-only records, each with its own CRC-32.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Herald.Queue.Files;

/// <summary>
/// Encodes and replays <c>active/&lt;id&gt;.journal</c>. The queue file itself is never rewritten after
/// commit (as with Postfix, whose only in-place change is flipping a recipient record); outcomes are
/// appended here instead, one record each, and fsynced. A crash can tear only the last record, and the
/// reader drops it.
/// </summary>
internal static class RecipientJournal
{
    /// <summary>Marks the start of each record so a journal can be told from noise.</summary>
    public const byte RecordMark = (byte)'J';

    /// <summary>Mark (1) and payload length (4) before the payload; its CRC-32 (4) after it.</summary>
    public const int Overhead = 1 + 4 + 4;

    /// <summary>Reply texts are a few kilobytes at most (RFC 5321 §4.5.3.1.5 lines, multi-line replies).</summary>
    public const int MaxPayload = 1024 * 1024;

    private const byte HasNextAttempt = 1;
    private const byte HasReply = 2;
    private const byte HasHost = 4;
    private const byte DelayReported = 8;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The bytes to append for <paramref name="outcomes"/>, one record each.</summary>
    public static byte[] Encode(IReadOnlyList<RecipientOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var buffer = new ArrayBufferWriter<byte>();
        var payload = new ArrayBufferWriter<byte>();
        foreach (RecipientOutcome outcome in outcomes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(outcome.Index);
            payload.ResetWrittenCount();
            byte flags = (byte)((outcome.NextAttempt is null ? 0 : HasNextAttempt)
                | (outcome.Reply is null ? 0 : HasReply)
                | (outcome.Host is null ? 0 : HasHost)
                | (outcome.DelayReported ? DelayReported : 0));

            Span<byte> fixedPart = payload.GetSpan(4 + 1 + 1 + 8);
            BinaryPrimitives.WriteInt32BigEndian(fixedPart, outcome.Index);
            fixedPart[4] = (byte)outcome.State;
            fixedPart[5] = flags;
            BinaryPrimitives.WriteInt64BigEndian(fixedPart[6..], outcome.At.UtcTicks);
            payload.Advance(14);
            if (outcome.NextAttempt is DateTimeOffset next)
            {
                BinaryPrimitives.WriteInt64BigEndian(payload.GetSpan(8), next.UtcTicks);
                payload.Advance(8);
            }

            WriteString(payload, outcome.Reply);
            WriteString(payload, outcome.Host);

            Span<byte> head = buffer.GetSpan(5);
            head[0] = RecordMark;
            BinaryPrimitives.WriteInt32BigEndian(head[1..], payload.WrittenCount);
            buffer.Advance(5);
            buffer.Write(payload.WrittenSpan);
            BinaryPrimitives.WriteUInt32BigEndian(buffer.GetSpan(4), Crc32.HashToUInt32(payload.WrittenSpan));
            buffer.Advance(4);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes records from the start of <paramref name="journal"/> up to the first one that is short or
    /// damaged. <paramref name="validLength"/> is where that one starts: what a writer keeps before appending.
    /// </summary>
    public static List<RecipientOutcome> Read(ReadOnlySpan<byte> journal, out int validLength)
    {
        var outcomes = new List<RecipientOutcome>();
        int pos = 0;
        while (journal.Length - pos >= Overhead && journal[pos] == RecordMark)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(journal[(pos + 1)..]);
            if (length < 14 || length > MaxPayload || journal.Length - pos - Overhead < length)
            {
                break;
            }

            ReadOnlySpan<byte> payload = journal.Slice(pos + 5, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(journal[(pos + 5 + length)..]);
            if (crc != Crc32.HashToUInt32(payload) || !TryDecode(payload, out RecipientOutcome? outcome))
            {
                break;
            }

            outcomes.Add(outcome);
            pos += Overhead + length;
        }

        validLength = pos;
        return outcomes;
    }

    /// <summary>
    /// Folds outcomes into each recipient's latest status. Attempts counts Deferred, Delivered and
    /// Bounced outcomes; the newest outcome gives the state, reply and next attempt; a delay warning,
    /// once recorded, stays recorded.
    /// </summary>
    public static IReadOnlyList<RecipientStatus> Replay(int recipientCount, IEnumerable<RecipientOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var statuses = new RecipientStatus[recipientCount];
        for (int i = 0; i < recipientCount; i++)
        {
            statuses[i] = new RecipientStatus(i, RecipientState.Pending, 0, null, null, null);
        }

        foreach (RecipientOutcome outcome in outcomes)
        {
            if (outcome.Index >= recipientCount)
            {
                continue;
            }

            RecipientStatus previous = statuses[outcome.Index];
            bool attempt = outcome.State is RecipientState.Deferred or RecipientState.Delivered or RecipientState.Bounced;
            statuses[outcome.Index] = previous with
            {
                State = outcome.State,
                Attempts = previous.Attempts + (attempt ? 1 : 0),
                LastAttempt = attempt ? outcome.At : previous.LastAttempt,
                NextAttempt = outcome.NextAttempt,
                LastReply = outcome.Reply,
                DelayReported = previous.DelayReported || outcome.DelayReported,
            };
        }

        return statuses;
    }

    private static void WriteString(ArrayBufferWriter<byte> payload, string? text)
    {
        if (text is null)
        {
            return;
        }

        int length = Utf8.GetByteCount(text);
        Span<byte> span = payload.GetSpan(4 + length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        Utf8.GetBytes(text, span[4..]);
        payload.Advance(4 + length);
    }

    private static bool TryDecode(ReadOnlySpan<byte> payload, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RecipientOutcome? outcome)
    {
        outcome = null;
        int index = BinaryPrimitives.ReadInt32BigEndian(payload);
        byte state = payload[4];
        byte flags = payload[5];
        if (index < 0 || state > (byte)RecipientState.Bounced || (flags & ~(HasNextAttempt | HasReply | HasHost | DelayReported)) != 0)
        {
            return false;
        }

        int pos = 14;
        if (!TryReadTime(payload[6..], out DateTimeOffset at))
        {
            return false;
        }

        DateTimeOffset? next = null;
        if ((flags & HasNextAttempt) != 0)
        {
            if (payload.Length - pos < 8 || !TryReadTime(payload[pos..], out DateTimeOffset nextAt))
            {
                return false;
            }

            next = nextAt;
            pos += 8;
        }

        string? reply = null;
        string? host = null;
        if (((flags & HasReply) != 0 && !TryReadString(payload, ref pos, out reply))
            || ((flags & HasHost) != 0 && !TryReadString(payload, ref pos, out host))
            || pos != payload.Length)
        {
            return false;
        }

        outcome = new RecipientOutcome(index, (RecipientState)state, at, next, reply, host) { DelayReported = (flags & DelayReported) != 0 };
        return true;
    }

    private static bool TryReadTime(ReadOnlySpan<byte> bytes, out DateTimeOffset time)
    {
        long ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        bool valid = ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks;
        time = valid ? new DateTimeOffset(ticks, TimeSpan.Zero) : default;
        return valid;
    }

    private static bool TryReadString(ReadOnlySpan<byte> payload, ref int pos, out string? text)
    {
        text = null;
        if (payload.Length - pos < 4)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(payload[pos..]);
        if (length < 0 || length > payload.Length - pos - 4)
        {
            return false;
        }

        try
        {
            text = Utf8.GetString(payload.Slice(pos + 4, length));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        pos += 4 + length;
        return true;
    }
}
