// The retry schedule, the queue lifetime, the delay warning and restarts, on fake time over real sockets.
using Herald.Delivery.Local;
using Herald.Protocol.Addresses;
using Herald.Queue;
using Herald.Queue.Reports;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Delivery.Tests.Outbound;

public sealed class ScheduleTests : IAsyncDisposable
{
    private static readonly Mailbox Sender = new("alice", "herald.test");
    private static readonly Mailbox Bob = new("bob", "example.test");
    private static readonly PeerScript AlwaysBusy = new() { Rcpt = (_, _) => "450 4.2.0 <bob@example.test>: Mailbox busy" };

    private readonly OutboundHarness _h = new();

    public ScheduleTests()
    {
        _h.Dns.AddMx("example.test", 10, "mx1.example.test").AddA("mx1.example.test", "127.0.0.2");
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task RetrySchedule_DoublesFromFiveMinutes_WithTenPercentJitter_AndNoAttemptBeforeItIsDue()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(AlwaysBusy, "127.0.0.2");
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        TimeSpan[] expected = [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(40), TimeSpan.FromHours(1), TimeSpan.FromHours(1)];
        for (int attempt = 1; attempt <= expected.Length; attempt++)
        {
            RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
            Assert.Equal(RecipientState.Deferred, status.State);
            Assert.Equal(attempt, status.Attempts);
            Assert.Equal(_h.Time.GetUtcNow(), status.LastAttempt);
            Assert.InRange(status.NextAttempt!.Value - status.LastAttempt!.Value, expected[attempt - 1] * 0.9, expected[attempt - 1] * 1.1);

            // Just before it is due nothing happens: no pass, no connection.
            int connections = peers[0].Connections.Count;
            _h.Time.Advance(status.NextAttempt.Value - _h.Time.GetUtcNow() - TimeSpan.FromSeconds(1));
            Assert.Equal(attempt, _h.Handled.Count(id));
            Assert.Equal(connections, peers[0].Connections.Count(c => c.Commands.Any(x => x.StartsWith("MAIL", StringComparison.Ordinal))));

            _h.Time.Advance(TimeSpan.FromSeconds(1));
            await _h.Handled.WaitAsync(id, attempt + 1);
        }

        Assert.Empty(_h.Reporter.Calls);
    }

    [Fact]
    public async Task QueueLifetimeEnds_TheLastAttemptIsAtTheEnd_AndTheRecipientFailsWith4_4_7AndTheLastReply()
    {
        _h.StartPeers(AlwaysBusy, "127.0.0.2");
        await _h.StartAsync();
        DateTimeOffset arrived = _h.Time.GetUtcNow() - _h.Options.MaxQueueLifetime + TimeSpan.FromMinutes(1);
        QueueId id = await _h.CommitAsync(Sender, [Bob], "Subject: old\r\n\r\nold\r\n", arrived);
        await _h.Handled.WaitAsync(id);

        RecipientStatus deferred = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(arrived + _h.Options.MaxQueueLifetime, deferred.NextAttempt);
        Assert.Empty(_h.Reporter.Calls);

        _h.Time.Advance(TimeSpan.FromMinutes(1));
        await _h.Handled.WaitAsync(id, 2);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal(ReportAction.Failed, report.Action);
        Assert.Equal("4.4.7", report.Status);
        Assert.Equal("450 4.2.0 <bob@example.test>: Mailbox busy", report.Diagnostic);
        Assert.Equal("mx1.example.test", report.RemoteMta);
        Assert.Contains("5 days", report.Explanation, StringComparison.Ordinal);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task DelayWarning_IsReportedOncePerMessage_EvenAcrossARestart()
    {
        _h.Options.DelayWarningAfter = TimeSpan.FromHours(4);
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(AlwaysBusy, "127.0.0.2");
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, [Bob, new Mailbox("carol", "example.test")], "Subject: slow\r\n\r\nslow\r\n", _h.Time.GetUtcNow() - TimeSpan.FromHours(5));
        await _h.Handled.WaitAsync(id);

        var call = Assert.Single(_h.Reporter.Calls);
        Assert.Equal(2, call.Recipients.Count);
        Assert.All(call.Recipients, r =>
        {
            Assert.Equal(ReportAction.Delayed, r.Action);
            Assert.Equal("4.2.0", r.Status);
            Assert.Equal("450 4.2.0 <bob@example.test>: Mailbox busy", r.Diagnostic);
        });
        QueuedMessage first = await _h.ReadAsync(id);
        Assert.True(first.DelayReported);

        // Recipients deferred together are retried together.
        Assert.Equal(first.Recipients[0].NextAttempt, first.Recipients[1].NextAttempt);
        _h.Time.Advance(first.Recipients[0].NextAttempt!.Value - _h.Time.GetUtcNow());
        await _h.Handled.WaitAsync(id, 2);
        Assert.Single(_h.Reporter.Calls);

        await _h.StopAsync();
        await _h.StartAsync();
        await _h.Handled.WaitAsync(id);
        _h.Time.Advance((await _h.ReadAsync(id)).Recipients[0].NextAttempt!.Value - _h.Time.GetUtcNow());
        await _h.Handled.WaitAsync(id, 2);

        Assert.All((await _h.ReadAsync(id)).Recipients, r => Assert.Equal(3, r.Attempts));
        Assert.Single(_h.Reporter.Calls);
        Assert.True(peers[0].Connections.Count >= 2);
    }

    [Fact]
    public async Task DelayWarning_NotBeforeItsTime()
    {
        _h.Options.DelayWarningAfter = TimeSpan.FromHours(4);
        _h.StartPeers(AlwaysBusy, "127.0.0.2");
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        Assert.Empty(_h.Reporter.Calls);
        Assert.False((await _h.ReadAsync(id)).DelayReported);
    }

    [Fact]
    public async Task Restart_InTheMiddleOfTheRetrySchedule_ResumesIt()
    {
        int rcpts = 0;
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            Rcpt = (_, _) => Interlocked.Increment(ref rcpts) == 1 ? "450 4.2.0 <bob@example.test>: Mailbox busy" : "250 2.1.5 Ok",
        }, "127.0.0.2");
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);
        DateTimeOffset next = (await _h.ReadAsync(id)).Recipients[0].NextAttempt!.Value;

        await _h.StopAsync();
        await _h.StartAsync();
        await _h.Handled.WaitAsync(id);

        // The new instance read the journal: not due yet, so no attempt at start.
        Assert.Equal(1, Volatile.Read(ref rcpts));
        _h.Time.Advance(next - _h.Time.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Equal(1, _h.Handled.Count(id));

        _h.Time.Advance(TimeSpan.FromSeconds(1));
        await _h.Handled.WaitAsync(id, 2);

        Assert.Single(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task MessageQueuedBeforeStart_IsDeliveredAtStart()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.OpenStoreAsync();
        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.StartAsync();
        await _h.Handled.WaitAsync(id);

        Assert.Single(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task HeldMessage_IsSkipped_UntilReleased()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.OpenStoreAsync();
        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Store.SetHoldAsync(id, true, CancellationToken.None);
        await _h.StartAsync();
        await _h.Handled.WaitAsync(id);

        Assert.Empty(peers[0].Connections);
        Assert.Equal(RecipientState.Pending, (await _h.ReadAsync(id)).Recipients[0].State);

        await _h.Store.SetHoldAsync(id, false, CancellationToken.None);
        await _h.Handled.WaitAsync(id, 2);

        Assert.Single(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task LocalAndRemoteRecipients_EachServiceDeliversItsOwn_AndTheMessageIsRemovedOnce()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();
        using var mail = new TempDirectory();
        using var local = new LocalDeliveryService(_h.Store, new LocalDeliveryOptions(mail.Path, ["localhost", "herald.test"], "herald.test"), _h.Reporter, _h.Time, NullLogger<LocalDeliveryService>.Instance);
        var localHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        local.MessageHandled += _ => localHandled.TrySetResult();
        await local.StartAsync(CancellationToken.None);
        try
        {
            QueueId id = await _h.CommitAsync(Sender, new Mailbox("dave", "herald.test"), Bob, new Mailbox("erin", "localhost"));
            await _h.Handled.WaitAsync(id);
            await localHandled.Task.WaitAsync(OutboundHarness.Patience);

            PeerMessage message = Assert.Single(peers[0].Messages);
            Assert.Equal(["RCPT TO:<bob@example.test>"], message.Recipients);
            Assert.Single(Directory.GetFiles(Path.Combine(mail.Path, "mail", "herald.test", "dave", "new")));
            Assert.Single(Directory.GetFiles(Path.Combine(mail.Path, "mail", "localhost", "erin", "new")));
            Assert.False(await _h.IsQueuedAsync(id));
            Assert.Empty(await _h.Store.ListAsync(CancellationToken.None));
        }
        finally
        {
            await local.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task OnlyLocalRecipients_OutboundLeavesThemAlone()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, new Mailbox("dave", "HERALD.test"), new Mailbox("Postmaster", string.Empty));
        await _h.Handled.WaitAsync(id);

        QueuedMessage message = await _h.ReadAsync(id);
        Assert.All(message.Recipients, r => Assert.Equal(RecipientState.Pending, r.State));
        Assert.Empty(peers[0].Connections);
        Assert.Equal(0, _h.Dns.QueryCount("herald.test"));
    }
}
