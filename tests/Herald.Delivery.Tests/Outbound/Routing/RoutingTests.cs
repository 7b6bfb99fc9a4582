// Where mail goes: the smart host, our own name in an MX list (RFC 5321 §5.1), address literals.
using Herald.Protocol.Addresses;
using Herald.Queue;
using Herald.Queue.Reports;
using Herald.TestSupport.Dns;
using Herald.TestSupport.Smtp;

namespace Herald.Delivery.Tests.Outbound.Routing;

public sealed class RoutingTests : IAsyncDisposable
{
    private static readonly Mailbox Sender = new("alice", "herald.test");

    private readonly OutboundHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task SmartHost_TakesEveryDomain_WithoutAnMxLookup()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.6");
        _h.Dns.AddA("relay.test", "127.0.0.6");
        _h.Options.SmartHost = $"relay.test:{peers[0].EndPoint.Port}";
        _h.Options.Port = 25;
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "nowhere.test"), new Mailbox("carol", "nullmx.test"));
        await _h.Handled.WaitAsync(id);

        Assert.Equal(2, Assert.Single(peers[0].Messages).Recipients.Count);
        Assert.Equal(0, _h.Dns.QueryCount("nowhere.test", DnsRecordType.MX));
        Assert.Equal(0, _h.Dns.QueryCount("nullmx.test", DnsRecordType.MX));
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task SmartHostByAddress_NeedsNoDns()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.6");
        _h.Options.SmartHost = $"127.0.0.6:{peers[0].EndPoint.Port}";
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "nowhere.test"));
        await _h.Handled.WaitAsync(id);

        Assert.Single(peers[0].Messages);
        Assert.Empty(_h.Dns.Queries);
    }

    [Fact]
    public async Task OwnHostnameInTheMxList_ItAndEveryLessPreferredHostAreDropped()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2", "127.0.0.3");
        peers[0].Script = new PeerScript { Greeting = c => new PeerReply($"421 4.3.2 {c.HostName} busy", PeerAction.Close) };
        _h.Dns.AddMx("backup.test", 10, "mx1.example.test").AddMx("backup.test", 20, "herald.test").AddMx("backup.test", 30, "mx2.example.test")
            .AddA("mx1.example.test", "127.0.0.2").AddA("mx2.example.test", "127.0.0.3").AddA("herald.test", "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "backup.test"));
        await _h.Handled.WaitAsync(id);

        // mx1 said 421; mx2 (preference 30, after our own 20) is never tried, and neither are we.
        Assert.Equal(RecipientState.Deferred, (await _h.ReadAsync(id)).Recipients[0].State);
        Assert.Empty(peers[1].Connections);
    }

    [Fact]
    public async Task OwnHostnameIsTheBestMx_FailsAsAMailLoop()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.3");
        _h.Dns.AddMx("loop.test", 10, "HERALD.test").AddMx("loop.test", 20, "mx1.example.test").AddA("mx1.example.test", "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "loop.test"));
        await _h.Handled.WaitAsync(id);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal("5.4.6", report.Status);
        Assert.Contains("loops back to myself", report.Explanation, StringComparison.Ordinal);
        Assert.Empty(peers[0].Connections);
    }

    [Fact]
    public async Task AddressLiteral_IsDeliveredToThatAddress()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "[127.0.0.2]"));
        await _h.Handled.WaitAsync(id);

        Assert.Equal(["RCPT TO:<bob@[127.0.0.2]>"], Assert.Single(peers[0].Messages).Recipients);
        Assert.Empty(_h.Dns.Queries);
    }

    [Fact]
    public async Task MxHostWithoutAddress_FailsWith5_4_4()
    {
        _h.Dns.AddMx("broken.test", 10, "mx.broken.test").AddTxt("mx.broken.test", "no address here");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "broken.test"));
        await _h.Handled.WaitAsync(id);

        Assert.Equal("5.4.4", Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients).Status);
    }

    [Fact]
    public async Task RecipientsOfTwoDomains_AreDeliveredSeparately_AndReportedInOneCall()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        _h.Dns.AddMx("one.test", 10, "mx1.example.test").AddA("mx1.example.test", "127.0.0.2").AddNullMx("none.test");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "one.test"), new Mailbox("x", "none.test"), new Mailbox("y", "nxdomain.test"));
        await _h.Handled.WaitAsync(id);

        var call = Assert.Single(_h.Reporter.Calls);
        Assert.Equal(["5.1.10", "5.1.2"], call.Recipients.Select(r => r.Status).Order());
        Assert.Single(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
    }
}
