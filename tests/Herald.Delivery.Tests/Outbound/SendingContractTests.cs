// Section 2 of the reply contract, row by row, over real sockets: what the sending side does with what it is given.
using Herald.Protocol.Addresses;
using Herald.Queue;
using Herald.Queue.Reports;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Tests.Outbound;

public sealed class SendingContractTests : IAsyncDisposable
{
    private static readonly Mailbox Sender = new("alice", "herald.test");

    private readonly OutboundHarness _h = new();

    public SendingContractTests()
    {
        // The zone every test resolves through: a normal MX set of two hosts, a null MX, a domain with only
        // an A record, a SERVFAIL; anything else is NXDOMAIN.
        _h.Dns.AddMx("example.test", 10, "mx1.example.test").AddMx("example.test", 20, "mx2.example.test")
            .AddA("mx1.example.test", "127.0.0.2").AddA("mx2.example.test", "127.0.0.3")
            .AddNullMx("nullmx.test")
            .AddA("a-only.test", "127.0.0.4")
            .AddServFail("servfail.test");
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task NormalMx_DeliversToTheBestHost_RecordsHostAndReply_AndRemovesTheMessage()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2", "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, [new Mailbox("bob", "example.test"), new Mailbox("carol", "Example.TEST")],
            "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\nlast line\r\n");
        await _h.Handled.WaitAsync(id);

        PeerMessage message = Assert.Single(peers[0].Messages);
        Assert.Empty(peers[1].Connections);
        Assert.Equal("MAIL FROM:<alice@herald.test> SIZE=54", message.MailFrom);
        Assert.Equal(["RCPT TO:<bob@example.test>", "RCPT TO:<carol@Example.TEST>"], message.Recipients);
        Assert.Contains("\r\n..leading dot\r\n...two dots\r\n", System.Text.Encoding.UTF8.GetString(message.RawData), StringComparison.Ordinal);
        Assert.Equal("Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\nlast line\r\n", message.Content);
        Assert.False(await _h.IsQueuedAsync(id));
        Assert.Empty(_h.Reporter.Calls);
        Assert.True(LogLines.Any(_h.Logger, LogLevel.Information, id.Value, "to=<bob@example.test>", "relay=mx1.example.test[127.0.0.2]:", "status=sent", "250 2.0.0 Ok: queued"));
    }

    [Fact]
    public async Task NullMx_FailsAtOnceWith5_1_10NamingRfc7505_WithoutConnecting()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "nullmx.test"));
        await _h.Handled.WaitAsync(id);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal(ReportAction.Failed, report.Action);
        Assert.Equal("5.1.10", report.Status);
        Assert.Null(report.Diagnostic);
        Assert.Null(report.RemoteMta);
        Assert.Contains("RFC 7505", report.Explanation, StringComparison.Ordinal);
        Assert.Empty(peers[0].Connections);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task NxDomain_FailsWith5_1_2()
    {
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "no-such-domain.test"));
        await _h.Handled.WaitAsync(id);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal(ReportAction.Failed, report.Action);
        Assert.Equal("5.1.2", report.Status);
        Assert.Contains("no-such-domain.test", report.Explanation, StringComparison.Ordinal);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task DnsServFail_IsDeferredWith4_4_3_AndRetriedLater()
    {
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "servfail.test"));
        await _h.Handled.WaitAsync(id);

        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, status.State);
        Assert.StartsWith("451 4.4.3 ", status.LastReply, StringComparison.Ordinal);
        Assert.Equal(1, status.Attempts);
        Assert.InRange(status.NextAttempt!.Value - status.LastAttempt!.Value, TimeSpan.FromMinutes(4.5), TimeSpan.FromMinutes(5.5));
        Assert.Empty(_h.Reporter.Calls);
    }

    [Fact]
    public async Task OnlyAnARecord_IsItsOwnImplicitMx()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.4");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "a-only.test"));
        await _h.Handled.WaitAsync(id);

        Assert.Single(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task ConnectionRefusedByTheFirstMx_TheSecondIsTried()
    {
        // mx1 (127.0.0.2) has no listener on the port: the connection is refused.
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        Assert.Single(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
        Assert.NotNull(await _h.Destinations.SuspendedUntilAsync("mx1.example.test", CancellationToken.None));
    }

    [Fact]
    public async Task EveryMxRefusesTheConnection_IsDeferredWith4_4_1()
    {
        _h.StartPeers(new PeerScript(), "127.0.0.5");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, status.State);
        Assert.StartsWith("451 4.4.1 connect to mx2.example.test[127.0.0.3]:", status.LastReply, StringComparison.Ordinal);
        Assert.Contains("Connection refused", status.LastReply, StringComparison.Ordinal);
        Assert.Empty(_h.Reporter.Calls);
    }

    [Fact]
    public async Task Greeting421_TheNextMxIsTriedAtOnce_AndTheFirstBacksOff()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2", "127.0.0.3");
        peers[0].Script = new PeerScript { Greeting = c => new PeerReply($"421 4.3.2 {c.HostName} Service not available - maintenance", PeerAction.Close) };
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        Assert.Single(peers[0].Connections);
        Assert.Single(peers[1].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
        var mx1 = (await _h.Destinations.SnapshotAsync(CancellationToken.None)).Single(d => d.Host == "mx1.example.test");
        Assert.Equal(1, mx1.ConsecutivePushBacks);
        Assert.Equal(_h.Options.MaxConnectionsPerHost / 2, mx1.ConcurrencyLimit);
        Assert.Equal(_h.Time.GetUtcNow().AddMinutes(1), mx1.SuspendedUntil);
        Assert.StartsWith("421 4.3.2 mx1.example.test", mx1.LastReply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Greeting421OnEveryMx_IsDeferred_AndBothHostsBackOff()
    {
        _h.StartPeers(new PeerScript { Greeting = c => new PeerReply($"421 4.7.0 {c.HostName} too busy", PeerAction.Close) }, "127.0.0.2", "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, status.State);
        Assert.StartsWith("421 4.7.0 mx2.example.test too busy", status.LastReply, StringComparison.Ordinal);
        Assert.NotNull(await _h.Destinations.SuspendedUntilAsync("mx1.example.test", CancellationToken.None));
        Assert.NotNull(await _h.Destinations.SuspendedUntilAsync("mx2.example.test", CancellationToken.None));
    }

    [Fact]
    public async Task Greeting521OnEveryMx_FailsWith5_3_2_AndIsNeverRetried()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(
            new PeerScript { Greeting = c => new PeerReply($"521 5.3.2 {c.HostName} does not accept mail", PeerAction.Close) }, "127.0.0.2", "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"), new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(id);

        var call = Assert.Single(_h.Reporter.Calls);
        Assert.Equal(2, call.Recipients.Count);
        Assert.All(call.Recipients, r =>
        {
            Assert.Equal(ReportAction.Failed, r.Action);
            Assert.Equal("5.3.2", r.Status);
            Assert.Equal("521 5.3.2 mx1.example.test does not accept mail", r.Diagnostic);
            Assert.Equal("mx1.example.test", r.RemoteMta);
        });
        Assert.Single(peers[0].Connections);
        Assert.Single(peers[1].Connections);
        Assert.False(await _h.IsQueuedAsync(id));

        _h.Time.Advance(TimeSpan.FromHours(2));
        Assert.Single(peers[0].Connections);
        Assert.Single(peers[1].Connections);
    }

    [Fact]
    public async Task Greeting521OnOneMx_TheOtherDelivers()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2", "127.0.0.3");
        peers[0].Script = new PeerScript { Greeting = c => new PeerReply($"521 5.3.2 {c.HostName} does not accept mail", PeerAction.Close) };
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        Assert.Single(peers[1].Messages);
        Assert.Empty(_h.Reporter.Calls);
        Assert.Null(await _h.Destinations.SuspendedUntilAsync("mx1.example.test", CancellationToken.None));
    }

    [Fact]
    public async Task Rcpt550ForOneOfThree_OneFailedInOneReport_TwoDelivered()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            Rcpt = (_, line) => line.Contains("nobody", StringComparison.Ordinal)
                ? "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown"
                : "250 2.1.5 Ok",
        }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"), new Mailbox("nobody", "example.test"), new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(id);

        var call = Assert.Single(_h.Reporter.Calls);
        RecipientReport report = Assert.Single(call.Recipients);
        Assert.Equal(new Mailbox("nobody", "example.test"), report.Recipient);
        Assert.Equal(ReportAction.Failed, report.Action);
        Assert.Equal("5.1.1", report.Status);
        Assert.Equal("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown", report.Diagnostic);
        Assert.Equal("mx1.example.test", report.RemoteMta);
        PeerMessage message = Assert.Single(peers[0].Messages);
        Assert.Equal(["RCPT TO:<bob@example.test>", "RCPT TO:<carol@example.test>"], message.Recipients);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task Rcpt450_IsDeferred_ThenDeliveredOnTheRetry()
    {
        int attempt = 0;
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            Rcpt = (_, _) => Interlocked.Increment(ref attempt) == 1 ? "450 4.2.0 <bob@example.test>: Mailbox busy" : "250 2.1.5 Ok",
        }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        RecipientStatus deferred = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, deferred.State);
        Assert.Equal("450 4.2.0 <bob@example.test>: Mailbox busy", deferred.LastReply);
        Assert.Empty(peers[0].Messages);
        Assert.Empty(_h.Reporter.Calls);

        _h.Time.Advance(deferred.NextAttempt!.Value - _h.Time.GetUtcNow());
        await _h.Handled.WaitAsync(id, times: 2);

        Assert.Single(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task Mail5xx_FailsEveryRecipient_WithTheRemoteReply()
    {
        _h.StartPeers(new PeerScript { Mail = (_, _) => "553 5.7.1 <alice@herald.test>: Sender address rejected: not owned by you" }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"), new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(id);

        var call = Assert.Single(_h.Reporter.Calls);
        Assert.Equal(2, call.Recipients.Count);
        Assert.All(call.Recipients, r => Assert.Equal("5.7.1", r.Status));
        Assert.All(call.Recipients, r => Assert.StartsWith("553 5.7.1 <alice@herald.test>", r.Diagnostic, StringComparison.Ordinal));
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task Data4xx_DefersTheAcceptedRecipients()
    {
        _h.StartPeers(new PeerScript { Data = _ => "451 4.3.0 Error: queue file write error" }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, status.State);
        Assert.Equal("451 4.3.0 Error: queue file write error", status.LastReply);
    }

    [Fact]
    public async Task FourTwentyOneAfterData_DefersEveryRecipient_AndMarksTheHostPushingBack()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            Message = (c, _) => new PeerReply($"421 4.3.2 {c.HostName} Service shutting down, closing transmission channel", PeerAction.Close),
        }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"), new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(id);

        QueuedMessage message = await _h.ReadAsync(id);
        Assert.All(message.Recipients, r =>
        {
            Assert.Equal(RecipientState.Deferred, r.State);
            Assert.Equal("421 4.3.2 mx1.example.test Service shutting down, closing transmission channel", r.LastReply);
        });
        Assert.Empty(_h.Reporter.Calls);
        var mx1 = (await _h.Destinations.SnapshotAsync(CancellationToken.None)).Single();
        Assert.Equal(1, mx1.ConsecutivePushBacks);
        Assert.Equal(10, mx1.ConcurrencyLimit);
        Assert.NotNull(mx1.SuspendedUntil);
        Assert.Single(peers[0].Connections);
    }

    [Fact]
    public async Task FourTwentyOneAtRcpt_DefersTheRestWithIt_KeepsEarlierRefusals()
    {
        _h.StartPeers(new PeerScript
        {
            Rcpt = (c, line) => line.Contains("nobody", StringComparison.Ordinal) ? "550 5.1.1 User unknown"
                : line.Contains("carol", StringComparison.Ordinal) ? new PeerReply($"421 4.7.0 {c.HostName} Error: too many errors", PeerAction.Close)
                : "250 2.1.5 Ok",
        }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"), new Mailbox("nobody", "example.test"), new Mailbox("carol", "example.test"), new Mailbox("dave", "example.test"));
        await _h.Handled.WaitAsync(id);

        QueuedMessage message = await _h.ReadAsync(id);
        Assert.Equal(
            [RecipientState.Deferred, RecipientState.Bounced, RecipientState.Deferred, RecipientState.Deferred],
            message.Recipients.Select(r => r.State));
        Assert.All(new[] { 0, 2, 3 }, i => Assert.StartsWith("421 4.7.0", message.Recipients[i].LastReply, StringComparison.Ordinal));
        Assert.Equal("5.1.1", Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients).Status);
    }

    [Fact]
    public async Task ConnectionResetMidData_DefersWith4_4_2()
    {
        string body = "Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 64));
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript { ResetAfterDataOctets = 100 }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, [new Mailbox("bob", "example.test")], body);
        await _h.Handled.WaitAsync(id);

        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, status.State);
        Assert.StartsWith("451 4.4.2 lost connection with mx1.example.test[127.0.0.2]:", status.LastReply, StringComparison.Ordinal);
        Assert.Empty(peers[0].Messages);
        Assert.Empty(_h.Reporter.Calls);
    }

    [Fact]
    public async Task NullSender_IsStillReported_TheReporterDecides()
    {
        _h.StartPeers(new PeerScript { Rcpt = (_, _) => "550 5.1.1 User unknown" }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(null, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        var call = Assert.Single(_h.Reporter.Calls);
        Assert.Null(call.Message.Envelope.Sender);
        Assert.Equal("5.1.1", Assert.Single(call.Recipients).Status);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task ReporterFailure_LeavesTheFailedRecipientUnrecorded_AndItIsTriedAgain()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript { Rcpt = (_, _) => "550 5.1.1 User unknown" }, "127.0.0.2");
        await _h.StartAsync();
        _h.Reporter.FailNext(1);

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Pending, status.State);
        Assert.Empty(_h.Reporter.Calls);

        _h.Time.Advance(_h.Options.MinBackoff);
        await _h.Handled.WaitAsync(id, times: 2);

        Assert.Single(_h.Reporter.Calls);
        Assert.False(await _h.IsQueuedAsync(id));
        Assert.Equal(2, peers[0].Connections.Count(c => c.Commands.Any(x => x.StartsWith("RCPT", StringComparison.Ordinal))));
    }
}
