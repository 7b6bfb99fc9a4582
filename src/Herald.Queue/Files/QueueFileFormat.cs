// The byte layout of a queue file: magic, typed envelope records, content marker, content, fixed trailer.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;

namespace Herald.Queue.Files;

/// <summary>The type byte of each record; docs/queue-format.md describes every payload.</summary>
internal enum RecordType : byte
{
    ArrivedAt = (byte)'T',
    Sender = (byte)'S',
    Recipient = (byte)'R',
    Size = (byte)'Z',
    Body = (byte)'B',
    SmtpUtf8 = (byte)'U',
    ClientAddress = (byte)'C',
    HeloName = (byte)'H',
    AuthenticatedAs = (byte)'A',
    DsnReturn = (byte)'D',
    EnvelopeId = (byte)'I',
    RecipientDsn = (byte)'O',
    ContentMarker = (byte)'M',
    End = (byte)'E',
}

/// <summary>What <see cref="QueueFileFormat.TryParseHeader"/> made of the bytes it was given.</summary>
internal enum HeaderStatus
{
    /// <summary>Valid so far; the content marker has not been reached yet.</summary>
    Incomplete,
    Valid,
    Invalid,
}

/// <summary>
/// Encodes and parses the envelope part and the trailer of a queue file. Pure: no I/O, no state.
/// Like Postfix's and chasquid's queue files, the file is a sequence of typed records that must end in
/// an end record; a file whose end record is missing or whose checksums disagree is torn.
/// </summary>
internal static class QueueFileFormat
{
    /// <summary>
    /// The file magic. As in PNG, the high byte catches 7-bit transfers, CR LF catches line-end
    /// conversion and 0x1A stops a DOS type; the last byte is the format version.
    /// </summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'H', (byte)'Q', (byte)'F', 0x0D, 0x0A, 0x1A, 0x01];

    /// <summary>The last eight bytes of every complete queue file.</summary>
    public static ReadOnlySpan<byte> EndMagic => [(byte)'H', (byte)'Q', (byte)'F', (byte)'-', (byte)'E', (byte)'N', (byte)'D', 0x0A];

    /// <summary>One type byte and a big-endian 32-bit payload length.</summary>
    public const int RecordHeaderLength = 5;

    /// <summary>No envelope record is longer; anything longer is damage, not data.</summary>
    public const int MaxRecordPayload = 64 * 1024;

    /// <summary>Bounds the envelope part so a damaged length can never make a reader grow without limit.</summary>
    public const int MaxHeaderLength = 16 * 1024 * 1024;

    /// <summary>End record type (1), content length (8), content CRC-32 (4), end magic (8).</summary>
    public const int TrailerLength = 1 + 8 + 4 + 8;

    // Strict UTF-8: an address that is not valid UTF-8 is refused on write and is damage on read.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The bytes from the magic through the content marker. The marker carries a CRC-32 of everything
    /// before it, so damage to the envelope is found just as damage to the content is.
    /// </summary>
    public static byte[] EncodeHeader(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Recipients.Count == 0)
        {
            throw new ArgumentException("A message needs at least one recipient.", nameof(envelope));
        }

        var buffer = new ArrayBufferWriter<byte>(256 + (envelope.Recipients.Count * 64));
        buffer.Write(Magic);

        Span<byte> time = stackalloc byte[10];
        BinaryPrimitives.WriteInt64BigEndian(time, envelope.ArrivedAt.UtcTicks);
        BinaryPrimitives.WriteInt16BigEndian(time[8..], checked((short)envelope.ArrivedAt.Offset.TotalMinutes));
        WriteRecord(buffer, RecordType.ArrivedAt, time);

        WriteRecord(buffer, RecordType.Sender, envelope.Sender is null ? [] : EncodeMailbox(envelope.Sender));
        foreach (Mailbox recipient in envelope.Recipients)
        {
            WriteRecord(buffer, RecordType.Recipient, EncodeMailbox(recipient));
        }

        MailParameters parameters = envelope.Parameters;
        if (parameters.Size is long size)
        {
            Span<byte> sizeBytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(sizeBytes, size);
            WriteRecord(buffer, RecordType.Size, sizeBytes);
        }

        WriteRecord(buffer, RecordType.Body, [parameters.Body == BodyType.EightBitMime ? (byte)1 : (byte)0]);
        if (parameters.SmtpUtf8)
        {
            WriteRecord(buffer, RecordType.SmtpUtf8, []);
        }

        if (parameters.Return is DsnReturn ret)
        {
            WriteRecord(buffer, RecordType.DsnReturn, [ret == DsnReturn.Full ? (byte)1 : (byte)0]);
        }

        if (parameters.EnvelopeId is string envelopeId)
        {
            WriteRecord(buffer, RecordType.EnvelopeId, Utf8.GetBytes(envelopeId));
        }

        if (envelope.RecipientParameters.Count > envelope.Recipients.Count)
        {
            throw new ArgumentException("More recipient parameters than recipients.", nameof(envelope));
        }

        for (int i = 0; i < envelope.RecipientParameters.Count; i++)
        {
            if (envelope.RecipientParameters[i] is { Notify: not null } or { OriginalRecipient: not null })
            {
                WriteRecord(buffer, RecordType.RecipientDsn, EncodeRecipientDsn(i, envelope.RecipientParameters[i]));
            }
        }

        WriteRecord(buffer, RecordType.ClientAddress, Utf8.GetBytes(envelope.Client.Address));
        WriteRecord(buffer, RecordType.HeloName, Utf8.GetBytes(envelope.Client.HeloName));
        if (envelope.Client.AuthenticatedAs is string user)
        {
            WriteRecord(buffer, RecordType.AuthenticatedAs, Utf8.GetBytes(user));
        }

        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(buffer.WrittenSpan));
        WriteRecord(buffer, RecordType.ContentMarker, crc);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses the envelope part at the start of <paramref name="data"/>. <see cref="HeaderStatus.Incomplete"/>
    /// means every byte so far is valid and more are needed (every prefix of a valid header gives it).
    /// </summary>
    public static HeaderStatus TryParseHeader(ReadOnlySpan<byte> data, out Envelope? envelope, out int contentOffset, out string? error)
    {
        envelope = null;
        contentOffset = 0;
        error = null;

        int magicLength = Math.Min(data.Length, Magic.Length);
        if (!data[..magicLength].SequenceEqual(Magic[..magicLength]))
        {
            error = "bad magic";
            return HeaderStatus.Invalid;
        }

        if (data.Length < Magic.Length)
        {
            return HeaderStatus.Incomplete;
        }

        var fields = new HeaderFields();
        int pos = Magic.Length;
        while (true)
        {
            if (pos > MaxHeaderLength)
            {
                error = "envelope too long";
                return HeaderStatus.Invalid;
            }

            if (data.Length - pos < RecordHeaderLength)
            {
                return HeaderStatus.Incomplete;
            }

            var type = (RecordType)data[pos];
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 1)..]);
            if (length > MaxRecordPayload)
            {
                error = $"record '{(char)type}' at offset {pos} is too long";
                return HeaderStatus.Invalid;
            }

            int payloadStart = pos + RecordHeaderLength;
            if (data.Length - payloadStart < length)
            {
                return HeaderStatus.Incomplete;
            }

            ReadOnlySpan<byte> payload = data.Slice(payloadStart, (int)length);
            if (type == RecordType.ContentMarker)
            {
                if (payload.Length != 4 || BinaryPrimitives.ReadUInt32BigEndian(payload) != Crc32.HashToUInt32(data[..pos]))
                {
                    error = "envelope checksum mismatch";
                    return HeaderStatus.Invalid;
                }

                error = fields.TryBuild(out envelope);
                if (error is not null)
                {
                    return HeaderStatus.Invalid;
                }

                contentOffset = payloadStart + payload.Length;
                return HeaderStatus.Valid;
            }

            error = fields.Add(type, payload);
            if (error is not null)
            {
                error = $"record '{(char)type}' at offset {pos}: {error}";
                return HeaderStatus.Invalid;
            }

            pos = payloadStart + payload.Length;
        }
    }

    public static byte[] EncodeTrailer(long contentLength, uint contentCrc)
    {
        byte[] trailer = new byte[TrailerLength];
        trailer[0] = (byte)RecordType.End;
        BinaryPrimitives.WriteInt64BigEndian(trailer.AsSpan(1), contentLength);
        BinaryPrimitives.WriteUInt32BigEndian(trailer.AsSpan(9), contentCrc);
        EndMagic.CopyTo(trailer.AsSpan(13));
        return trailer;
    }

    public static bool TryParseTrailer(ReadOnlySpan<byte> trailer, out long contentLength, out uint contentCrc)
    {
        contentLength = 0;
        contentCrc = 0;
        if (trailer.Length != TrailerLength || trailer[0] != (byte)RecordType.End || !trailer[13..].SequenceEqual(EndMagic))
        {
            return false;
        }

        contentLength = BinaryPrimitives.ReadInt64BigEndian(trailer[1..]);
        contentCrc = BinaryPrimitives.ReadUInt32BigEndian(trailer[9..]);
        return contentLength >= 0;
    }

    private static void WriteRecord(ArrayBufferWriter<byte> buffer, RecordType type, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxRecordPayload)
        {
            throw new ArgumentException($"Record '{(char)type}' is longer than {MaxRecordPayload} octets.");
        }

        Span<byte> head = buffer.GetSpan(RecordHeaderLength);
        head[0] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(head[1..], (uint)payload.Length);
        buffer.Advance(RecordHeaderLength);
        buffer.Write(payload);
    }

    // A mailbox is the local part's length (16 bits), the local part, then the domain: both UTF-8, the
    // local part unquoted, so quoted local parts and RFC 6531 addresses come back exactly as they went in.
    private static byte[] EncodeMailbox(Mailbox mailbox)
    {
        int localLength = Utf8.GetByteCount(mailbox.LocalPart);
        byte[] bytes = new byte[2 + localLength + Utf8.GetByteCount(mailbox.Domain)];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, checked((ushort)localLength));
        Utf8.GetBytes(mailbox.LocalPart, bytes.AsSpan(2));
        Utf8.GetBytes(mailbox.Domain, bytes.AsSpan(2 + localLength));
        return bytes;
    }

    // Recipient DSN parameters: the recipient's index (32 bits), NOTIFY's flags (one octet, 0 when not given),
    // then ORCPT as its address type's length (16 bits), the type and the address, UTF-8; both empty when not given.
    private static byte[] EncodeRecipientDsn(int index, RecipientParameters parameters)
    {
        byte[] type = Utf8.GetBytes(parameters.OriginalRecipient?.AddressType ?? string.Empty);
        byte[] address = Utf8.GetBytes(parameters.OriginalRecipient?.Address ?? string.Empty);
        byte[] bytes = new byte[4 + 1 + 2 + type.Length + address.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, index);
        bytes[4] = (byte)(parameters.Notify ?? DsnNotify.None);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(5), checked((ushort)type.Length));
        type.CopyTo(bytes, 7);
        address.CopyTo(bytes, 7 + type.Length);
        return bytes;
    }

    private static bool TryDecodeRecipientDsn(ReadOnlySpan<byte> payload, out int index, out RecipientParameters? parameters)
    {
        index = -1;
        parameters = null;
        const DsnNotify known = DsnNotify.Never | DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay;
        if (payload.Length < 7 || (payload[4] & ~(int)known) != 0)
        {
            return false;
        }

        index = BinaryPrimitives.ReadInt32BigEndian(payload);
        int typeLength = BinaryPrimitives.ReadUInt16BigEndian(payload[5..]);
        if (index < 0 || typeLength > payload.Length - 7
            || !TryDecodeString(payload.Slice(7, typeLength), out string? type)
            || !TryDecodeString(payload[(7 + typeLength)..], out string? address)
            || (type.Length == 0) != (address.Length == 0))
        {
            return false;
        }

        parameters = new RecipientParameters
        {
            Notify = payload[4] == 0 ? null : (DsnNotify)payload[4],
            OriginalRecipient = type.Length == 0 ? null : new OriginalRecipient(type, address),
        };
        return true;
    }

    private static bool TryDecodeMailbox(ReadOnlySpan<byte> payload, out Mailbox? mailbox)
    {
        mailbox = null;
        if (payload.Length < 2)
        {
            return false;
        }

        int localLength = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (localLength > payload.Length - 2
            || !TryDecodeString(payload.Slice(2, localLength), out string? local)
            || !TryDecodeString(payload[(2 + localLength)..], out string? domain))
        {
            return false;
        }

        mailbox = new Mailbox(local, domain);
        return true;
    }

    private static bool TryDecodeString(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        try
        {
            text = Utf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = null;
            return false;
        }
    }

    /// <summary>Collects envelope records and checks that each required one came exactly once.</summary>
    private sealed class HeaderFields
    {
        private readonly List<Mailbox> _recipients = [];
        private DateTimeOffset? _arrivedAt;
        private bool _hasSender;
        private Mailbox? _sender;
        private long? _size;
        private BodyType? _body;
        private bool _smtpUtf8;
        private string? _clientAddress;
        private string? _heloName;
        private string? _authenticatedAs;
        private DsnReturn? _return;
        private string? _envelopeId;
        private readonly Dictionary<int, RecipientParameters> _recipientDsn = [];

        public string? Add(RecordType type, ReadOnlySpan<byte> payload)
        {
            switch (type)
            {
                case RecordType.ArrivedAt:
                    if (_arrivedAt is not null || payload.Length != 10)
                    {
                        return "duplicate or malformed";
                    }

                    long ticks = BinaryPrimitives.ReadInt64BigEndian(payload);
                    short minutes = BinaryPrimitives.ReadInt16BigEndian(payload[8..]);
                    if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks || Math.Abs((int)minutes) > 14 * 60)
                    {
                        return "time out of range";
                    }

                    try
                    {
                        _arrivedAt = new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(minutes));
                    }
                    catch (ArgumentOutOfRangeException)
                    {
                        return "time out of range";
                    }

                    return null;

                case RecordType.Sender:
                    if (_hasSender)
                    {
                        return "duplicate";
                    }

                    _hasSender = true;
                    if (payload.IsEmpty)
                    {
                        return null;
                    }

                    return TryDecodeMailbox(payload, out _sender) ? null : "malformed mailbox";

                case RecordType.Recipient:
                    if (!TryDecodeMailbox(payload, out Mailbox? recipient))
                    {
                        return "malformed mailbox";
                    }

                    _recipients.Add(recipient!);
                    return null;

                case RecordType.Size:
                    if (_size is not null || payload.Length != 8 || BinaryPrimitives.ReadInt64BigEndian(payload) < 0)
                    {
                        return "duplicate or malformed";
                    }

                    _size = BinaryPrimitives.ReadInt64BigEndian(payload);
                    return null;

                case RecordType.Body:
                    if (_body is not null || payload.Length != 1 || payload[0] > 1)
                    {
                        return "duplicate or malformed";
                    }

                    _body = payload[0] == 1 ? BodyType.EightBitMime : BodyType.SevenBit;
                    return null;

                case RecordType.SmtpUtf8:
                    if (_smtpUtf8 || !payload.IsEmpty)
                    {
                        return "duplicate or malformed";
                    }

                    _smtpUtf8 = true;
                    return null;

                case RecordType.ClientAddress:
                    return _clientAddress is null && TryDecodeString(payload, out _clientAddress) ? null : "duplicate or malformed";

                case RecordType.HeloName:
                    return _heloName is null && TryDecodeString(payload, out _heloName) ? null : "duplicate or malformed";

                case RecordType.AuthenticatedAs:
                    return _authenticatedAs is null && TryDecodeString(payload, out _authenticatedAs) ? null : "duplicate or malformed";

                case RecordType.DsnReturn:
                    if (_return is not null || payload.Length != 1 || payload[0] > 1)
                    {
                        return "duplicate or malformed";
                    }

                    _return = payload[0] == 1 ? DsnReturn.Full : DsnReturn.Headers;
                    return null;

                case RecordType.EnvelopeId:
                    return _envelopeId is null && TryDecodeString(payload, out _envelopeId) ? null : "duplicate or malformed";

                case RecordType.RecipientDsn:
                    return TryDecodeRecipientDsn(payload, out int index, out RecipientParameters? dsn) && _recipientDsn.TryAdd(index, dsn!)
                        ? null
                        : "duplicate or malformed";

                default:
                    return "unknown record type";
            }
        }

        public string? TryBuild(out Envelope? envelope)
        {
            envelope = null;
            if (_arrivedAt is null || !_hasSender || _recipients.Count == 0 || _body is null || _clientAddress is null || _heloName is null)
            {
                return "a required envelope record is missing";
            }

            if (_recipientDsn.Keys.Any(index => index >= _recipients.Count))
            {
                return "recipient parameters for a recipient that is not there";
            }

            var parameters = new MailParameters { Size = _size, Body = _body.Value, SmtpUtf8 = _smtpUtf8, Return = _return, EnvelopeId = _envelopeId };
            RecipientParameters[] recipientParameters = _recipientDsn.Count == 0
                ? []
                : [.. Enumerable.Range(0, _recipients.Count).Select(i => _recipientDsn.GetValueOrDefault(i, RecipientParameters.None))];
            envelope = new Envelope(_sender, _recipients, parameters, new ClientInfo(_clientAddress, _heloName, _authenticatedAs), _arrivedAt.Value)
            {
                RecipientParameters = recipientParameters,
            };
            return null;
        }
    }
}
