// Per-host push-back end to end: a 421 suspends the host for every message, waiting is not an attempt, success resets.
using Herald.Delivery.Outbound.Destinations;
using Herald.Protocol.Addresses;
using Herald.Queue;
using Herald.TestSupport.Smtp;

namespace Herald.Delivery.Tests.Outbound.Destinations;

public sealed class DestinationBackoffTests : IAsyncDisposable
{
    private static readonly Mailbox Sender = new("alice", "herald.test");

    private readonly OutboundHarness _h = new();

    public DestinationBackoffTests()
    {
        _h.Dns.AddMx("example.test", 10, "mx1.example.test").AddA("mx1.example.test", "127.0.0.2")
            .AddMx("other.test", 10, "mx1.example.test");
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Greeting421_SuspendsAndHalves_OthersWaitWithoutAnAttempt_SuccessResets()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            Greeting = c => c.Number == 0 ? new PeerReply($"421 4.7.0 {c.HostName} Error: too many connections", PeerAction.Close) : $"220 {c.HostName} ESMTP",
        }, "127.0.0.2");
        await _h.StartAsync();
        DateTimeOffset t0 = _h.Time.GetUtcNow();

        QueueId first = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(first);

        RecipientStatus deferred = (await _h.ReadAsync(first)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, deferred.State);
        Assert.Equal(1, deferred.Attempts);
        DestinationSnapshot pushing = Assert.Single(await _h.Destinations.SnapshotAsync(CancellationToken.None));
        Assert.Equal(("mx1.example.test", 10, 20, 1), (pushing.Host, pushing.ConcurrencyLimit, pushing.MaxConcurrency, pushing.ConsecutivePushBacks));
        Assert.Equal(t0.AddMinutes(1), pushing.SuspendedUntil);

        // Another message for the same host (through another domain) waits: no connection, nothing recorded.
        QueueId second = await _h.CommitAsync(Sender, new Mailbox("carol", "other.test"));
        await _h.Handled.WaitAsync(second);

        Assert.Single(peers[0].Connections);
        RecipientStatus waiting = (await _h.ReadAsync(second)).Recipients[0];
        Assert.Equal(RecipientState.Pending, waiting.State);
        Assert.Equal(0, waiting.Attempts);
        Assert.Empty(_h.Reporter.Calls);

        _h.Time.Advance(TimeSpan.FromMinutes(1));
        await _h.Handled.WaitAsync(second, 2);

        Assert.Single(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(second));
        DestinationSnapshot recovered = Assert.Single(await _h.Destinations.SnapshotAsync(CancellationToken.None));
        Assert.Null(recovered.SuspendedUntil);
        Assert.Equal(0, recovered.ConsecutivePushBacks);
        Assert.Equal(11, recovered.ConcurrencyLimit);
        Assert.StartsWith("250 2.0.0", recovered.LastReply, StringComparison.Ordinal);

        // The first message keeps its own schedule.
        Assert.Equal(RecipientState.Deferred, (await _h.ReadAsync(first)).Recipients[0].State);
        _h.Time.Advance(deferred.NextAttempt!.Value - _h.Time.GetUtcNow());
        await _h.Handled.WaitAsync(first, 2);
        Assert.False(await _h.IsQueuedAsync(first));
        Assert.Equal(2, (await _h.Destinations.SnapshotAsync(CancellationToken.None)).Single().ConcurrencyLimit - 10);
    }

    [Fact]
    public async Task Consecutive421s_DoubleTheSuspension_AndWaitingIsNotCountedAsAttempts()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(
            new PeerScript { Greeting = c => new PeerReply($"421 4.3.2 {c.HostName} Service not available", PeerAction.Close) }, "127.0.0.2");
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "example.test"));
        await _h.Handled.WaitAsync(id);

        // Attempts at 0, 5, 15 minutes: each 421 doubles the host's suspension (1, 2, 4 minutes) and halves its limit.
        int[] limits = [10, 5, 2];
        TimeSpan[] suspensions = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4)];
        for (int i = 0; i < limits.Length; i++)
        {
            DestinationSnapshot host = Assert.Single(await _h.Destinations.SnapshotAsync(CancellationToken.None));
            Assert.Equal(i + 1, host.ConsecutivePushBacks);
            Assert.Equal(limits[i], host.ConcurrencyLimit);
            Assert.Equal(_h.Time.GetUtcNow() + suspensions[i], host.SuspendedUntil);
            RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
            Assert.Equal(i + 1, status.Attempts);
            Assert.Equal(i + 1, peers[0].Connections.Count);
            if (i < limits.Length - 1)
            {
                _h.Time.Advance(status.NextAttempt!.Value - _h.Time.GetUtcNow());
                await _h.Handled.WaitAsync(id, i + 2);
            }
        }
    }
}
