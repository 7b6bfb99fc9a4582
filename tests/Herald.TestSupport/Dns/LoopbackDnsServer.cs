// A small authoritative DNS server on a loopback address, serving a zone that a test builds in code.
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.TestSupport.Dns;

/// <summary>
/// Answers DNS queries over UDP and TCP on 127.0.0.1 (or another loopback address) from records
/// added with <see cref="AddMx"/>, <see cref="AddA"/> and the like. Names are matched without
/// regard to case (RFC 4343). A name with no records at all gets NXDOMAIN, a name with records but
/// none of the asked type gets NOERROR with an empty answer (NODATA); both carry an SOA in the
/// authority section so resolvers can cache them (RFC 2308 §3). UDP answers over 512 octets are
/// sent truncated with TC set so the client asks again over TCP (RFC 1035 §4.2.1, RFC 7766).
/// Every query is counted per name and type so tests can tell a cached answer from a fresh one.
/// <code>
/// await using var dns = LoopbackDnsServer.Start();
/// dns.AddMx("example.test", 10, "mx1.example.test").AddA("mx1.example.test", "192.0.2.1");
/// options.Servers.Add(dns.ServerAddress);
/// </code>
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    private const int MaxUdpResponse = 512;

    private readonly Socket udp;
    private readonly TcpListener tcp;
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<string, List<ZoneRecord>> zone = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> servFail = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<(string Name, DnsRecordType Type)> servFailByType = [];
    private readonly HashSet<string> noReply = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Name, DnsRecordType Type), int> counts = new();
    private readonly ConcurrentQueue<(string Name, DnsRecordType Type)> log = new();
    private readonly Lock gate = new();
    private readonly Task udpLoop;
    private readonly Task tcpLoop;

    private LoopbackDnsServer(Socket udp, TcpListener tcp)
    {
        this.udp = udp;
        this.tcp = tcp;
        EndPoint = (IPEndPoint)udp.LocalEndPoint!;
        udpLoop = Task.Run(ServeUdpAsync);
        tcpLoop = Task.Run(ServeTcpAsync);
    }

    /// <summary>Where the server listens (UDP and TCP on the same port).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The server as an entry of <c>Dns:Servers</c>, e.g. <c>127.0.0.1:40123</c>.</summary>
    public string ServerAddress => EndPoint.ToString();

    /// <summary>TTL, in seconds, of records added without one. Default 300.</summary>
    public int DefaultTtl { get; set; } = 300;

    /// <summary>TTL and MINIMUM, in seconds, of the SOA sent with NXDOMAIN and NODATA answers (RFC 2308 §5). Default 60.</summary>
    public int NegativeTtl { get; set; } = 60;

    /// <summary>Every query received, in order.</summary>
    public IReadOnlyList<(string Name, DnsRecordType Type)> Queries => [.. log];

    /// <summary>
    /// Starts a server on <paramref name="address"/> (default 127.0.0.1), which must be a loopback
    /// address, and <paramref name="port"/> (default 0: a free port, the same for UDP and TCP).
    /// </summary>
    public static LoopbackDnsServer Start(IPAddress? address = null, int port = 0)
    {
        address ??= IPAddress.Loopback;
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException("Tests may only run a DNS server on a loopback address.", nameof(address));
        }

        // A free UDP port is not always free for TCP: try a few before giving up.
        for (var attempt = 0; ; attempt++)
        {
            var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(address, port));
                var bound = (IPEndPoint)udp.LocalEndPoint!;
                var tcp = new TcpListener(bound);
                tcp.Start();
                return new LoopbackDnsServer(udp, tcp);
            }
            catch (SocketException) when (port == 0 && attempt < 20)
            {
                udp.Dispose();
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        }
    }

    public LoopbackDnsServer AddMx(string domain, int preference, string host, int? ttl = null)
    {
        var data = new byte[2].Concat(DnsWire.Name(host)).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(data, checked((ushort)preference));
        return Add(domain, DnsRecordType.MX, data, ttl);
    }

    /// <summary>Adds the null MX of RFC 7505: preference 0, target the root.</summary>
    public LoopbackDnsServer AddNullMx(string domain, int? ttl = null) => AddMx(domain, 0, ".", ttl);

    public LoopbackDnsServer AddA(string name, string ipv4, int? ttl = null)
    {
        var address = IPAddress.Parse(ipv4);
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"'{ipv4}' is not an IPv4 address.", nameof(ipv4));
        }

        return Add(name, DnsRecordType.A, address.GetAddressBytes(), ttl);
    }

    public LoopbackDnsServer AddAaaa(string name, string ipv6, int? ttl = null)
    {
        var address = IPAddress.Parse(ipv6);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"'{ipv6}' is not an IPv6 address.", nameof(ipv6));
        }

        return Add(name, DnsRecordType.AAAA, address.GetAddressBytes(), ttl);
    }

    /// <summary>Makes <paramref name="name"/> an alias; queries for it are answered with the chain and the target's records.</summary>
    public LoopbackDnsServer AddCname(string name, string target, int? ttl = null)
        => Add(name, DnsRecordType.CNAME, DnsWire.Name(target), ttl);

    /// <summary>Adds a TXT record, split into character-strings of at most 255 octets (RFC 1035 §3.3.14).</summary>
    public LoopbackDnsServer AddTxt(string name, string text, int? ttl = null)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var data = new List<byte>();
        for (var i = 0; i == 0 || i < bytes.Length; i += 255)
        {
            var chunk = bytes.AsSpan(i, Math.Min(255, bytes.Length - i));
            data.Add((byte)chunk.Length);
            data.AddRange(chunk.ToArray());
        }

        return Add(name, DnsRecordType.TXT, [.. data], ttl);
    }

    /// <summary>
    /// Queries for <paramref name="name"/> get SERVFAIL: those of <paramref name="type"/> only,
    /// or of every type when it is null.
    /// </summary>
    public LoopbackDnsServer AddServFail(string name, DnsRecordType? type = null)
    {
        lock (gate)
        {
            if (type is { } only)
            {
                servFailByType.Add((Normalize(name), only));
            }
            else
            {
                servFail.Add(Normalize(name));
            }
        }

        return this;
    }

    /// <summary>Queries for <paramref name="name"/> are counted and never answered, so the client times out.</summary>
    public LoopbackDnsServer AddNoReply(string name)
    {
        lock (gate)
        {
            noReply.Add(Normalize(name));
        }

        return this;
    }

    /// <summary>Removes every record of <paramref name="name"/>, so it answers NXDOMAIN from now on.</summary>
    public LoopbackDnsServer Remove(string name)
    {
        lock (gate)
        {
            zone.Remove(Normalize(name));
            servFail.Remove(Normalize(name));
            servFailByType.RemoveWhere(s => s.Name == Normalize(name));
            noReply.Remove(Normalize(name));
        }

        return this;
    }

    /// <summary>Queries received for <paramref name="name"/> (any type).</summary>
    public int QueryCount(string name)
    {
        var key = Normalize(name);
        return counts.Where(c => string.Equals(c.Key.Name, key, StringComparison.OrdinalIgnoreCase)).Sum(c => c.Value);
    }

    /// <summary>Queries received for <paramref name="name"/> of type <paramref name="type"/>.</summary>
    public int QueryCount(string name, DnsRecordType type) => counts.GetValueOrDefault((Normalize(name), type));

    public void ResetCounts()
    {
        counts.Clear();
        log.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        udp.Dispose();
        tcp.Stop();
        try
        {
            await Task.WhenAll(udpLoop, tcpLoop);
        }
        catch (OperationCanceledException)
        {
        }

        stopping.Dispose();
    }

    private LoopbackDnsServer Add(string name, DnsRecordType type, byte[] data, int? ttl)
    {
        lock (gate)
        {
            var key = Normalize(name);
            if (!zone.TryGetValue(key, out var records))
            {
                zone[key] = records = [];
            }

            records.Add(new ZoneRecord(type, data, ttl));
        }

        return this;
    }

    private static string Normalize(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    private async Task ServeUdpAsync()
    {
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await udp.ReceiveFromAsync(buffer, SocketFlags.None, any, stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            var response = Answer(buffer.AsSpan(0, received.ReceivedBytes), MaxUdpResponse);
            if (response is null)
            {
                continue;
            }

            try
            {
                await udp.SendToAsync(response, SocketFlags.None, received.RemoteEndPoint, stopping.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task ServeTcpAsync()
    {
        var connections = new List<Task>();
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await tcp.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                break;
            }

            connections.RemoveAll(t => t.IsCompleted);
            connections.Add(Task.Run(() => ServeTcpClientAsync(client)));
        }

        await Task.WhenAll(connections);
    }

    // RFC 1035 §4.2.2, RFC 7766 §8: each message is preceded by its two-octet length, and a
    // connection may carry several queries.
    private async Task ServeTcpClientAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var lengthBytes = new byte[2];
            try
            {
                while (!stopping.IsCancellationRequested)
                {
                    await stream.ReadExactlyAsync(lengthBytes, stopping.Token);
                    var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(lengthBytes)];
                    await stream.ReadExactlyAsync(message, stopping.Token);
                    var response = Answer(message, ushort.MaxValue);
                    if (response is null)
                    {
                        continue;
                    }

                    var framed = new byte[response.Length + 2];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
                    response.CopyTo(framed, 2);
                    await stream.WriteAsync(framed, stopping.Token);
                }
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The client closed the connection or the server is stopping.
            }
        }
    }

    /// <summary>Builds the response to one message, or null when it gets none.</summary>
    private byte[]? Answer(ReadOnlySpan<byte> message, int maxLength)
    {
        var query = DnsWire.TryParseQuery(message, out var rcode, out var id);
        if (query is null)
        {
            return rcode == DnsWire.NoError ? null : DnsWire.WriteError(id, rcode);
        }

        var name = Normalize(query.Name);
        counts.AddOrUpdate((name, query.Type), 1, (_, n) => n + 1);
        log.Enqueue((name, query.Type));

        byte[] response;
        lock (gate)
        {
            if (noReply.Contains(name))
            {
                return null;
            }

            if (servFail.Contains(name) || servFailByType.Contains((name, query.Type)))
            {
                response = DnsWire.WriteResponse(query, DnsWire.ServFail, [], []);
            }
            else
            {
                var (answerCode, answers, authority) = Resolve(query.Name, query.Type);
                response = DnsWire.WriteResponse(query, answerCode, answers, authority);
            }
        }

        // RFC 1035 §4.2.1: over UDP, a response that does not fit is cut to the header and
        // question with TC set.
        return response.Length <= maxLength
            ? response
            : DnsWire.WriteResponse(query, (byte)(response[3] & 0xF), [], [], truncated: true);
    }

    private (byte Rcode, List<DnsRecord> Answers, List<DnsRecord> Authority) Resolve(string asked, DnsRecordType type)
    {
        var answers = new List<DnsRecord>();
        var owner = asked;

        // Follow CNAMEs within the zone (RFC 1034 §3.6.2), with a bound against loops.
        for (var hops = 0; hops < 8; hops++)
        {
            if (!zone.TryGetValue(Normalize(owner), out var records))
            {
                return (DnsWire.NxDomain, answers, [Soa(owner)]);
            }

            var matching = records.Where(r => r.Type == type || type == DnsRecordType.ANY).ToList();
            if (matching.Count > 0)
            {
                answers.AddRange(matching.Select(r => new DnsRecord(owner, r.Type, r.Ttl ?? DefaultTtl, r.Data)));
                return (DnsWire.NoError, answers, []);
            }

            var alias = records.FirstOrDefault(r => r.Type == DnsRecordType.CNAME);
            if (alias is null)
            {
                return (DnsWire.NoError, answers, [Soa(owner)]);
            }

            answers.Add(new DnsRecord(owner, DnsRecordType.CNAME, alias.Ttl ?? DefaultTtl, alias.Data));
            owner = ReadName(alias.Data);
        }

        return (DnsWire.ServFail, [], []);
    }

    // The SOA of a negative answer; its owner is taken to be the name's top-level label, the
    // one zone every test name certainly belongs to.
    private DnsRecord Soa(string name)
    {
        var apex = Normalize(name).Split('.')[^1];
        using var data = new MemoryStream();
        data.Write(DnsWire.Name("ns.loopback.test"));
        data.Write(DnsWire.Name("hostmaster.loopback.test"));
        Span<byte> numbers = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(numbers, 1);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[4..], 3600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[8..], 600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[12..], 86400);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[16..], (uint)Math.Max(NegativeTtl, 0));
        data.Write(numbers);
        return new DnsRecord(apex, DnsRecordType.SOA, NegativeTtl, data.ToArray());
    }

    private static string ReadName(byte[] data)
    {
        var labels = new List<string>();
        for (var i = 0; i < data.Length && data[i] != 0; i += data[i] + 1)
        {
            labels.Add(Encoding.ASCII.GetString(data, i + 1, data[i]));
        }

        return string.Join('.', labels);
    }

    private sealed record ZoneRecord(DnsRecordType Type, byte[] Data, int? Ttl);
}
