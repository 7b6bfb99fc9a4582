// Connection reuse: several messages over one connection, the per-connection limit, and a 421 sent while idle.
using Herald.Protocol.Addresses;
using Herald.Queue;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Tests.Outbound.Smtp;

public sealed class ConnectionReuseTests : IAsyncDisposable
{
    private static readonly Mailbox Sender = new("alice", "herald.test");

    private readonly OutboundHarness _h = new();

    public ConnectionReuseTests()
    {
        _h.Dns.AddMx("example.test", 10, "mx1.example.test").AddA("mx1.example.test", "127.0.0.2")
            .AddMx("other.test", 10, "mx1.example.test");
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task TwoMessagesToOneHost_ShareOneConnection()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();

        QueueId first = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(first);
        QueueId second = await _h.CommitAsync(Sender, new Mailbox("carol", "other.test"));
        await _h.Handled.WaitAsync(second);

        PeerConnection connection = Assert.Single(peers[0].Connections);
        Assert.Equal(2, peers[0].Messages.Count);
        Assert.Equal(2, connection.Commands.Count(c => c.StartsWith("MAIL", StringComparison.Ordinal)));
        Assert.Equal(1, _h.Service.IdleConnections);

        // The cached connection is closed with QUIT once it has been idle for Delivery:ConnectionCacheTime.
        _h.Time.Advance(_h.Options.ConnectionCacheTime);
        await connection.Closed.WaitAsync(OutboundHarness.Patience);
        Assert.Equal("QUIT", connection.Commands[^1]);
        Assert.Equal(0, _h.Service.IdleConnections);
    }

    [Fact]
    public async Task MaxMessagesPerConnection_ClosesTheConnectionWithQuit()
    {
        _h.Options.MaxMessagesPerConnection = 1;
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();

        QueueId first = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(first);
        await peers[0].Connections[0].Closed.WaitAsync(OutboundHarness.Patience);
        QueueId second = await _h.CommitAsync(Sender, new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(second);

        Assert.Equal(2, peers[0].Connections.Count);
        Assert.Equal("QUIT", peers[0].Connections[0].Commands[^1]);
        Assert.Equal(2, peers[0].Messages.Count);
    }

    [Fact]
    public async Task Unsolicited421OnACachedConnection_IsReadAsSuch_NotAsTheReplyToTheNextCommand()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            // The first connection accepts one message, then announces it is closing, as a server whose idle timer ran out.
            Message = (c, _) => c.Number == 0
                ? new PeerReply("250 2.0.0 Ok: queued", PeerAction.Close, Unsolicited: $"421 4.4.2 {c.HostName} Error: timeout exceeded")
                : "250 2.0.0 Ok: queued",
        }, "127.0.0.2");
        await _h.StartAsync();

        QueueId first = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(first);
        await peers[0].Connections[0].Closed.WaitAsync(OutboundHarness.Patience);

        QueueId second = await _h.CommitAsync(Sender, new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(second);

        Assert.False(await _h.IsQueuedAsync(second));
        Assert.Equal(2, peers[0].Connections.Count);
        Assert.Single(peers[0].Connections[0].Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.Equal(2, peers[0].Messages.Count);
        Assert.True(LogLines.Any(_h.Logger, LogLevel.Information, "closed a cached connection", "421 4.4.2 mx1.example.test Error: timeout exceeded"));

        // A server closing an idle connection is not pushing back.
        Assert.Null(await _h.Destinations.SuspendedUntilAsync("mx1.example.test", CancellationToken.None));
    }

    [Fact]
    public async Task CachedConnectionClosedSilently_ANewOneIsOpened()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            Message = (c, _) => new PeerReply("250 2.0.0 Ok: queued", c.Number == 0 ? PeerAction.Close : PeerAction.Continue),
        }, "127.0.0.2");
        await _h.StartAsync();

        QueueId first = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(first);
        await peers[0].Connections[0].Closed.WaitAsync(OutboundHarness.Patience);
        QueueId second = await _h.CommitAsync(Sender, new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(second);

        Assert.False(await _h.IsQueuedAsync(second));
        Assert.Equal(2, peers[0].Connections.Count);
        Assert.Null(await _h.Destinations.SuspendedUntilAsync("mx1.example.test", CancellationToken.None));
    }

    [Fact]
    public async Task AfterARefusedTransaction_TheConnectionIsResetAndReused()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            Rcpt = (_, line) => line.Contains("nobody", StringComparison.Ordinal) ? "550 5.1.1 User unknown" : "250 2.1.5 Ok",
        }, "127.0.0.2");
        await _h.StartAsync();

        QueueId first = await _h.CommitAsync(Sender, new Mailbox("nobody", "example.test"));
        await _h.Handled.WaitAsync(first);
        QueueId second = await _h.CommitAsync(Sender, new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(second);

        PeerConnection connection = Assert.Single(peers[0].Connections);
        Assert.Contains("RSET", connection.Commands);
        Assert.Single(peers[0].Messages);
    }

    [Fact]
    public async Task OneConnectionAllowedPerHost_FiveQueuedMessagesGoOneAfterAnotherOverIt()
    {
        _h.Options.MaxConnectionsPerHost = 1;
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.OpenStoreAsync();
        var ids = new List<QueueId>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await _h.CommitAsync(Sender, new Mailbox($"user{i}", "example.test")));
        }

        await _h.StartAsync();
        foreach (QueueId id in ids)
        {
            await _h.Handled.WaitAsync(id);
        }

        Assert.Single(peers[0].Connections);
        Assert.Equal(5, peers[0].Messages.Count);
        Assert.Empty(await _h.Store.ListAsync(CancellationToken.None));
    }
}
