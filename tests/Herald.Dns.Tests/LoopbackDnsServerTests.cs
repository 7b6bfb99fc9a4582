// Tests of the loopback DNS server's wire behaviour, with hand-made queries over UDP and TCP.
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Herald.TestSupport.Dns;

namespace Herald.Dns.Tests;

public sealed class LoopbackDnsServerTests
{
    [Fact]
    public async Task Query_KnownMx_AnswersAuthoritativelyWithTheRecord()
    {
        await using var dns = LoopbackDnsServer.Start();
        dns.AddMx("example.test", 10, "mx.example.test", ttl: 42);

        var response = await AskUdpAsync(dns, Query(0x1234, "Example.Test", DnsRecordType.MX));

        Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(response));
        Assert.True((response[2] & 0x80) != 0, "QR");
        Assert.True((response[2] & 0x04) != 0, "AA");
        Assert.Equal(0, Rcode(response));
        Assert.Equal((1, 1, 0), Counts(response));

        // The answer follows the header and the echoed question, which together are as long as
        // the query: owner, type MX, class IN, TTL 42, RDLENGTH, then preference 10 and the exchange.
        var answer = response.AsSpan(Query(0, "Example.Test", DnsRecordType.MX).Length);
        var ownerLength = "example.test".Length + 2;
        Assert.Equal(15, BinaryPrimitives.ReadUInt16BigEndian(answer[ownerLength..]));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(answer[(ownerLength + 2)..]));
        Assert.Equal(42u, BinaryPrimitives.ReadUInt32BigEndian(answer[(ownerLength + 4)..]));
        Assert.Equal(10, BinaryPrimitives.ReadUInt16BigEndian(answer[(ownerLength + 10)..]));
        Assert.Equal(1, dns.QueryCount("example.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task Query_UnknownName_IsNxDomainWithSoa()
    {
        await using var dns = LoopbackDnsServer.Start();

        var response = await AskUdpAsync(dns, Query(1, "nowhere.test", DnsRecordType.MX));

        Assert.Equal(3, Rcode(response));
        Assert.Equal((1, 0, 1), Counts(response));
    }

    [Fact]
    public async Task Query_KnownNameOtherType_IsNoDataWithSoa()
    {
        await using var dns = LoopbackDnsServer.Start();
        dns.AddA("host.test", "192.0.2.1");

        var response = await AskUdpAsync(dns, Query(2, "host.test", DnsRecordType.MX));

        Assert.Equal(0, Rcode(response));
        Assert.Equal((1, 0, 1), Counts(response));
    }

    [Fact]
    public async Task Query_ServFailName_IsServFail()
    {
        await using var dns = LoopbackDnsServer.Start();
        dns.AddServFail("broken.test");

        Assert.Equal(2, Rcode(await AskUdpAsync(dns, Query(3, "broken.test", DnsRecordType.A))));
    }

    [Fact]
    public async Task Query_WithoutQuestion_IsFormErr()
    {
        await using var dns = LoopbackDnsServer.Start();
        var headerOnly = new byte[12];
        headerOnly[1] = 7;

        var response = await AskUdpAsync(dns, headerOnly);

        Assert.Equal(7, response[1]);
        Assert.Equal(1, Rcode(response));
    }

    [Fact]
    public async Task Query_OverTcp_IsAnsweredWithLengthPrefix_AndSeveralPerConnection()
    {
        await using var dns = LoopbackDnsServer.Start();
        dns.AddA("host.test", "192.0.2.1");
        using var client = new TcpClient();
        await client.ConnectAsync(dns.EndPoint);
        var stream = client.GetStream();

        for (ushort id = 1; id <= 2; id++)
        {
            var query = Query(id, "host.test", DnsRecordType.A);
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            await stream.WriteAsync(framed);

            var length = new byte[2];
            await stream.ReadExactlyAsync(length);
            var response = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            await stream.ReadExactlyAsync(response);

            Assert.Equal(id, BinaryPrimitives.ReadUInt16BigEndian(response));
            Assert.Equal((1, 1, 0), Counts(response));
        }

        Assert.Equal(2, dns.QueryCount("host.test"));
    }

    [Fact]
    public async Task Start_OnAnotherLoopbackAddress_ListensThere()
    {
        await using var dns = LoopbackDnsServer.Start(IPAddress.Parse("127.0.0.2"));
        dns.AddA("host.test", "192.0.2.1");

        Assert.Equal(IPAddress.Parse("127.0.0.2"), dns.EndPoint.Address);
        Assert.Equal(0, Rcode(await AskUdpAsync(dns, Query(4, "host.test", DnsRecordType.A))));
    }

    [Fact]
    public void Start_OnNonLoopbackAddress_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => LoopbackDnsServer.Start(IPAddress.Parse("192.0.2.1")));
    }

    private static async Task<byte[]> AskUdpAsync(LoopbackDnsServer dns, byte[] query)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await socket.SendToAsync(query, SocketFlags.None, dns.EndPoint);
        var buffer = new byte[4096];

        // A bound on the wait so a broken server fails the test instead of hanging it.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
        return buffer[..received];
    }

    private static byte[] Query(ushort id, string name, DnsRecordType type)
    {
        var message = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            message.Add((byte)label.Length);
            message.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        message.AddRange([0, (byte)((ushort)type >> 8), (byte)type, 0, 1]);
        return [.. message];
    }

    private static int Rcode(byte[] response) => response[3] & 0x0F;

    private static (int Questions, int Answers, int Authority) Counts(byte[] response) => (
        BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(4)),
        BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)),
        BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(8)));
}
