// The queue file's envelope records and trailer, byte by byte, including damaged and partial inputs.
using System.Buffers.Binary;
using System.IO.Hashing;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue.Files;

namespace Herald.Queue.Tests.Files;

public sealed class QueueFileFormatTests
{
    private static readonly Envelope Sample = new(
        new Mailbox("alice", "example.com"),
        [new Mailbox("bob", "example.org"), new Mailbox("用户", "例子.广告")],
        new MailParameters { Size = 42, Body = BodyType.EightBitMime, SmtpUtf8 = true },
        new ClientInfo("192.0.2.1", "helo.example", "alice"),
        new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(-330)));

    [Fact]
    public void Header_RoundTrips()
    {
        byte[] header = QueueFileFormat.EncodeHeader(Sample);

        HeaderStatus status = QueueFileFormat.TryParseHeader(header, out Envelope? envelope, out int offset, out string? error);

        Assert.Equal(HeaderStatus.Valid, status);
        Assert.Null(error);
        Assert.Equal(header.Length, offset);
        Assert.Equal(Sample.Sender, envelope!.Sender);
        Assert.Equal(Sample.Recipients, envelope.Recipients);
        Assert.Equal(Sample.Parameters, envelope.Parameters);
        Assert.Equal(Sample.Client, envelope.Client);
        Assert.Equal(Sample.ArrivedAt, envelope.ArrivedAt);
        Assert.Equal(Sample.ArrivedAt.Offset, envelope.ArrivedAt.Offset);
    }

    [Fact]
    public void Header_DsnParameters_RoundTrip()
    {
        Envelope sent = Sample with
        {
            Recipients = [new Mailbox("bob", "example.org"), new Mailbox("carol", "example.net"), new Mailbox("用户", "例子.广告")],
            Parameters = Sample.Parameters with { Return = DsnReturn.Full, EnvelopeId = "QQ+314159=" },
            RecipientParameters =
            [
                new RecipientParameters { Notify = DsnNotify.Success | DsnNotify.Failure, OriginalRecipient = new OriginalRecipient("rfc822", "Bob.Alias@example.org") },
                RecipientParameters.None,
                new RecipientParameters { Notify = DsnNotify.Never, OriginalRecipient = new OriginalRecipient("utf-8", "用户@例子.广告") },
            ],
        };

        Assert.Equal(HeaderStatus.Valid, QueueFileFormat.TryParseHeader(QueueFileFormat.EncodeHeader(sent), out Envelope? read, out _, out string? error));

        Assert.Null(error);
        Assert.Equal(sent.Parameters, read!.Parameters);
        Assert.Equal(sent.RecipientParameters, read.RecipientParameters);
        Assert.Equal(DsnNotify.Never, read.ParametersOf(2).Notify);
        Assert.Same(RecipientParameters.None, read.ParametersOf(1));
    }

    [Fact]
    public void Header_OnlyOrcpt_KeepsNotifyUnset()
    {
        Envelope sent = Sample with { RecipientParameters = [new RecipientParameters { OriginalRecipient = new OriginalRecipient("rfc822", "b@example.org") }] };

        Assert.Equal(HeaderStatus.Valid, QueueFileFormat.TryParseHeader(QueueFileFormat.EncodeHeader(sent), out Envelope? read, out _, out _));

        Assert.Null(read!.ParametersOf(0).Notify);
        Assert.Equal(sent.RecipientParameters[0], read.ParametersOf(0));
        Assert.Same(RecipientParameters.None, read.ParametersOf(1));
    }

    [Fact]
    public void Header_WithoutDsnParameters_WritesNoDsnRecords()
    {
        byte[] plain = QueueFileFormat.EncodeHeader(Sample);
        byte[] noneGiven = QueueFileFormat.EncodeHeader(Sample with { RecipientParameters = [RecipientParameters.None, RecipientParameters.None] });

        Assert.Equal(plain, noneGiven);
        QueueFileFormat.TryParseHeader(plain, out Envelope? read, out _, out _);
        Assert.Empty(read!.RecipientParameters);
    }

    [Theory]
    [InlineData(1, 2)]     // a recipient index with no R record
    [InlineData(0, 0x10)]  // a NOTIFY flag that does not exist
    public void Header_BadRecipientDsnRecord_IsInvalid(int index, byte notify)
    {
        byte[] payload = [0, 0, 0, (byte)index, notify, 0, 0];
        byte[] header = Build(Record('T', Time()), Record('S', []), Record('R', Mailbox("b", "x")), Record('B', [0]),
            Record('C', "1.2.3.4"u8.ToArray()), Record('H', "h"u8.ToArray()), Record('O', payload));

        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader(header, out _, out _, out _));
    }

    [Fact]
    public void Header_TwoDsnRecordsForOneRecipient_AreInvalid()
    {
        byte[] payload = [0, 0, 0, 0, 2, 0, 0];
        byte[] header = Build(Record('T', Time()), Record('S', []), Record('R', Mailbox("b", "x")), Record('B', [0]),
            Record('C', "1.2.3.4"u8.ToArray()), Record('H', "h"u8.ToArray()), Record('O', payload), Record('O', payload));

        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader(header, out _, out _, out _));
    }

    [Fact]
    public void Header_EveryPrefix_IsIncomplete()
    {
        byte[] header = QueueFileFormat.EncodeHeader(Sample);
        for (int length = 0; length < header.Length; length++)
        {
            Assert.Equal(HeaderStatus.Incomplete, QueueFileFormat.TryParseHeader(header.AsSpan(0, length), out _, out _, out _));
        }
    }

    [Fact]
    public void Header_ContentAfterMarker_IsNotParsed()
    {
        byte[] header = QueueFileFormat.EncodeHeader(Sample);
        byte[] file = [.. header, .. "garbage that is content"u8];

        Assert.Equal(HeaderStatus.Valid, QueueFileFormat.TryParseHeader(file, out _, out int offset, out _));
        Assert.Equal(header.Length, offset);
    }

    [Fact]
    public void Header_BadMagic_IsInvalidAtOnce()
    {
        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader("From "u8, out _, out _, out string? error));
        Assert.Equal("bad magic", error);
    }

    [Fact]
    public void Header_AnyFlippedBit_IsInvalid()
    {
        byte[] header = QueueFileFormat.EncodeHeader(Sample);
        for (int i = 0; i < header.Length; i++)
        {
            byte[] damaged = (byte[])header.Clone();
            damaged[i] ^= 0x04;
            Assert.NotEqual(HeaderStatus.Valid, QueueFileFormat.TryParseHeader(damaged, out _, out _, out _));
        }
    }

    [Fact]
    public void Header_UnknownRecordType_IsInvalid()
    {
        byte[] header = Build(Record('T', Time()), Record('S', []), Record('R', Mailbox("b", "x")), Record('B', [0]),
            Record('C', "1.2.3.4"u8.ToArray()), Record('H', "h"u8.ToArray()), Record('Q', []));

        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader(header, out _, out _, out string? error));
        Assert.Contains("unknown record type", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_DuplicateSender_IsInvalid()
    {
        byte[] header = Build(Record('T', Time()), Record('S', []), Record('S', []), Record('R', Mailbox("b", "x")), Record('B', [0]),
            Record('C', "1.2.3.4"u8.ToArray()), Record('H', "h"u8.ToArray()));

        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader(header, out _, out _, out _));
    }

    [Fact]
    public void Header_MissingHeloRecord_IsInvalid()
    {
        byte[] header = Build(Record('T', Time()), Record('S', []), Record('R', Mailbox("b", "x")), Record('B', [0]),
            Record('C', "1.2.3.4"u8.ToArray()));

        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader(header, out _, out _, out string? error));
        Assert.Contains("required", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_NoRecipients_IsInvalid_AndCannotBeWritten()
    {
        byte[] header = Build(Record('T', Time()), Record('S', []), Record('B', [0]), Record('C', "1.2.3.4"u8.ToArray()), Record('H', "h"u8.ToArray()));

        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader(header, out _, out _, out _));
        Assert.Throws<ArgumentException>(() => QueueFileFormat.EncodeHeader(Sample with { Recipients = [] }));
    }

    [Fact]
    public void Header_InvalidUtf8InAMailbox_IsInvalid()
    {
        byte[] header = Build(Record('T', Time()), Record('S', []), Record('R', [0, 1, 0xC3, (byte)'x']), Record('B', [0]),
            Record('C', "1.2.3.4"u8.ToArray()), Record('H', "h"u8.ToArray()));

        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader(header, out _, out _, out _));
    }

    [Fact]
    public void Header_MinimalHandBuilt_IsValid()
    {
        byte[] header = Build(Record('T', Time()), Record('S', []), Record('R', Mailbox("b", "x")), Record('B', [0]),
            Record('C', "1.2.3.4"u8.ToArray()), Record('H', "h"u8.ToArray()));

        Assert.Equal(HeaderStatus.Valid, QueueFileFormat.TryParseHeader(header, out Envelope? envelope, out _, out _));
        Assert.Null(envelope!.Sender);
        Assert.Equal(new Mailbox("b", "x"), envelope.Recipients.Single());
    }

    [Fact]
    public void Header_OverlongRecordLength_IsInvalid_NotIncomplete()
    {
        byte[] header = [.. QueueFileFormat.Magic, (byte)'R', 0x7F, 0xFF, 0xFF, 0xFF];

        Assert.Equal(HeaderStatus.Invalid, QueueFileFormat.TryParseHeader(header, out _, out _, out _));
    }

    [Fact]
    public void Trailer_RoundTrips_AndRejectsDamage()
    {
        byte[] trailer = QueueFileFormat.EncodeTrailer(20_971_520, 0xDEADBEEF);

        Assert.Equal(QueueFileFormat.TrailerLength, trailer.Length);
        Assert.True(QueueFileFormat.TryParseTrailer(trailer, out long length, out uint crc));
        Assert.Equal(20_971_520, length);
        Assert.Equal(0xDEADBEEF, crc);

        byte[] badMagic = (byte[])trailer.Clone();
        badMagic[^1] ^= 1;
        Assert.False(QueueFileFormat.TryParseTrailer(badMagic, out _, out _));

        byte[] badType = (byte[])trailer.Clone();
        badType[0] = (byte)'X';
        Assert.False(QueueFileFormat.TryParseTrailer(badType, out _, out _));
        Assert.False(QueueFileFormat.TryParseTrailer(trailer.AsSpan(1), out _, out _));
    }

    [Fact]
    public void DocumentedExample_ParsesAndVerifies()
    {
        // The example of docs/queue-format.md, byte for byte.
        byte[] file = Convert.FromHexString(string.Concat(
            "89 48 51 46 0D 0A 1A 01",
            "54 00 00 00 0A  08 E2 C4 D7 C2 7C C0 00  00 00",
            "53 00 00 00 04  00 01 61 62",
            "52 00 00 00 04  00 01 63 64",
            "42 00 00 00 01  00",
            "43 00 00 00 09  31 39 32 2E 30 2E 32 2E 31",
            "48 00 00 00 01  65",
            "4D 00 00 00 04  47 C3 86 6D",
            "68 69 0D 0A",
            "45  00 00 00 00 00 00 00 04  CD AB 67 0C  48 51 46 2D 45 4E 44 0A").Replace(" ", "", StringComparison.Ordinal));

        Assert.Equal(101, file.Length);
        Assert.Equal(HeaderStatus.Valid, QueueFileFormat.TryParseHeader(file, out Envelope? envelope, out int offset, out _));
        Assert.Equal(new Mailbox("a", "b"), envelope!.Sender);
        Assert.Equal(new Mailbox("c", "d"), envelope.Recipients.Single());
        Assert.Equal(MailParameters.None, envelope.Parameters);
        Assert.Equal(new ClientInfo("192.0.2.1", "e"), envelope.Client);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), envelope.ArrivedAt);
        Assert.Equal("hi\r\n"u8.ToArray(), file[offset..^QueueFileFormat.TrailerLength]);
        Assert.True(QueueFileFormat.TryParseTrailer(file.AsSpan(file.Length - QueueFileFormat.TrailerLength), out long length, out uint crc));
        Assert.Equal(4, length);
        Assert.Equal(Crc32.HashToUInt32("hi\r\n"u8), crc);
        Assert.Equal(QueueFileFormat.EncodeHeader(envelope), file[..offset]);
    }

    private static byte[] Time()
    {
        byte[] time = new byte[10];
        BinaryPrimitives.WriteInt64BigEndian(time, new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks);
        return time;
    }

    private static byte[] Mailbox(string local, string domain)
    {
        byte[] l = System.Text.Encoding.UTF8.GetBytes(local);
        byte[] d = System.Text.Encoding.UTF8.GetBytes(domain);
        byte[] payload = new byte[2 + l.Length + d.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)l.Length);
        l.CopyTo(payload, 2);
        d.CopyTo(payload, 2 + l.Length);
        return payload;
    }

    private static byte[] Record(char type, byte[] payload)
    {
        byte[] record = new byte[5 + payload.Length];
        record[0] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(record, 5);
        return record;
    }

    // Magic, the given records, and a content marker whose CRC-32 covers them: a header as a writer would make it.
    private static byte[] Build(params byte[][] records)
    {
        byte[] body = [.. QueueFileFormat.Magic, .. records.SelectMany(r => r)];
        byte[] crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(body));
        return [.. body, .. Record('M', crc)];
    }
}
