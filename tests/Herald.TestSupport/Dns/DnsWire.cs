// Reads DNS queries and writes DNS responses in the wire format of RFC 1035 §4.1, without name compression.
using System.Buffers.Binary;
using System.Text;

namespace Herald.TestSupport.Dns;

/// <summary>A parsed query: its header fields, its one question, and the question's raw bytes to echo.</summary>
internal sealed record DnsQuery(ushort Id, byte Opcode, bool RecursionDesired, string Name, DnsRecordType Type, ushort Class, ReadOnlyMemory<byte> RawQuestion);

/// <summary>One resource record ready to be written: owner, type, TTL and RDATA.</summary>
internal sealed record DnsRecord(string Owner, DnsRecordType Type, int Ttl, byte[] Data);

internal static class DnsWire
{
    public const int HeaderLength = 12;

    // RFC 1035 §4.1.1 RCODE values.
    public const byte NoError = 0;
    public const byte FormErr = 1;
    public const byte ServFail = 2;
    public const byte NxDomain = 3;
    public const byte NotImp = 4;

    /// <summary>
    /// Parses a query with exactly one question. Returns null when the message is too short
    /// to carry even a header; sets <paramref name="rcode"/> to FORMERR or NOTIMP when the
    /// header is readable but the query cannot be answered.
    /// </summary>
    public static DnsQuery? TryParseQuery(ReadOnlySpan<byte> message, out byte rcode, out ushort id)
    {
        rcode = NoError;
        id = 0;
        if (message.Length < HeaderLength)
        {
            return null;
        }

        id = BinaryPrimitives.ReadUInt16BigEndian(message);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        var isResponse = (flags & 0x8000) != 0;
        var opcode = (byte)((flags >> 11) & 0xF);
        var rd = (flags & 0x0100) != 0;
        var qdCount = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        if (isResponse)
        {
            return null;
        }

        if (opcode != 0)
        {
            rcode = NotImp;
            return null;
        }

        if (qdCount != 1)
        {
            rcode = FormErr;
            return null;
        }

        var offset = HeaderLength;
        var labels = new List<string>();
        while (true)
        {
            if (offset >= message.Length)
            {
                rcode = FormErr;
                return null;
            }

            var length = message[offset++];
            if (length == 0)
            {
                break;
            }

            // A query's single name has nothing earlier to point to (RFC 1035 §4.1.4).
            if (length > 63 || offset + length > message.Length)
            {
                rcode = FormErr;
                return null;
            }

            labels.Add(Encoding.Latin1.GetString(message.Slice(offset, length)));
            offset += length;
        }

        if (offset + 4 > message.Length)
        {
            rcode = FormErr;
            return null;
        }

        var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        var @class = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
        offset += 4;
        var raw = message[HeaderLength..offset].ToArray();
        return new DnsQuery(id, opcode, rd, string.Join('.', labels), type, @class, raw);
    }

    /// <summary>
    /// Writes a response: header (QR and AA set, RA set so a stub resolver accepts it as a
    /// recursive answer), the question echoed, then the answer and authority sections.
    /// </summary>
    public static byte[] WriteResponse(DnsQuery query, byte rcode, IReadOnlyList<DnsRecord> answers, IReadOnlyList<DnsRecord> authority, bool truncated = false)
    {
        using var stream = new MemoryStream();
        WriteHeader(stream, query.Id, query.Opcode, query.RecursionDesired, rcode, truncated, 1, answers.Count, authority.Count);
        stream.Write(query.RawQuestion.Span);
        foreach (var record in answers.Concat(authority))
        {
            WriteName(stream, record.Owner);
            WriteUInt16(stream, (ushort)record.Type);
            WriteUInt16(stream, 1);
            WriteUInt32(stream, (uint)Math.Max(record.Ttl, 0));
            WriteUInt16(stream, (ushort)record.Data.Length);
            stream.Write(record.Data);
        }

        return stream.ToArray();
    }

    /// <summary>A header-only error response for a query whose question could not be read.</summary>
    public static byte[] WriteError(ushort id, byte rcode)
    {
        using var stream = new MemoryStream();
        WriteHeader(stream, id, 0, false, rcode, false, 0, 0, 0);
        return stream.ToArray();
    }

    public static byte[] Name(string name)
    {
        using var stream = new MemoryStream();
        WriteName(stream, name);
        return stream.ToArray();
    }

    private static void WriteHeader(MemoryStream stream, ushort id, byte opcode, bool rd, byte rcode, bool truncated, int qd, int an, int ns)
    {
        var flags = 0x8000 | (opcode << 11) | 0x0400 | 0x0080 | (rcode & 0xF);
        if (truncated)
        {
            flags |= 0x0200;
        }

        if (rd)
        {
            flags |= 0x0100;
        }

        WriteUInt16(stream, id);
        WriteUInt16(stream, (ushort)flags);
        WriteUInt16(stream, (ushort)qd);
        WriteUInt16(stream, (ushort)an);
        WriteUInt16(stream, (ushort)ns);
        WriteUInt16(stream, 0);
    }

    // RFC 1035 §3.1: a name is a sequence of length-prefixed labels ending in the root's zero.
    private static void WriteName(MemoryStream stream, string name)
    {
        foreach (var label in name.Trim('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            if (bytes.Length > 63)
            {
                throw new ArgumentException($"Label '{label}' is longer than 63 octets.", nameof(name));
            }

            stream.WriteByte((byte)bytes.Length);
            stream.Write(bytes);
        }

        stream.WriteByte(0);
    }

    private static void WriteUInt16(MemoryStream stream, ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
        stream.Write(buffer);
    }

    private static void WriteUInt32(MemoryStream stream, uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        stream.Write(buffer);
    }
}
