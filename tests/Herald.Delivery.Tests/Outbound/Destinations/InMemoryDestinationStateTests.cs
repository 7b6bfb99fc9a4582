// The in-memory destination state alone: slots, waiting, halving, suspension and its doubling back-off.
using Herald.Delivery.Outbound.Destinations;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Delivery.Tests.Outbound.Destinations;

public sealed class InMemoryDestinationStateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Slots_UpToTheLimit_TheNextWaitsUntilOneIsReleased()
    {
        var state = new InMemoryDestinationState(2, _time);
        DestinationLease a = await state.AcquireAsync("mx.test", CancellationToken.None);
        DestinationLease b = await state.AcquireAsync("MX.test", CancellationToken.None);
        ValueTask<DestinationLease> c = state.AcquireAsync("mx.test", CancellationToken.None);

        Assert.True(a.IsAcquired && b.IsAcquired);
        Assert.False(c.IsCompleted);
        Assert.Equal(2, (await state.SnapshotAsync(CancellationToken.None)).Single().Connections);

        a.Dispose();
        a.Dispose();
        DestinationLease third = await c.AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(third.IsAcquired);
        Assert.Equal(2, (await state.SnapshotAsync(CancellationToken.None)).Single().Connections);
        b.Dispose();
        third.Dispose();
        Assert.Equal(0, (await state.SnapshotAsync(CancellationToken.None)).Single().Connections);
    }

    [Fact]
    public async Task PushBack_HalvesTheLimit_SuspendsTheHost_AndTellsTheWaiters()
    {
        var state = new InMemoryDestinationState(1, _time);
        DestinationLease held = await state.AcquireAsync("mx.test", CancellationToken.None);
        ValueTask<DestinationLease> waiting = state.AcquireAsync("mx.test", CancellationToken.None);

        await state.ReportAsync("mx.test", DestinationEvent.PushBack, "421 4.3.2 busy", CancellationToken.None);
        DestinationLease told = await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(told.IsAcquired);
        Assert.Equal(_time.GetUtcNow().AddMinutes(1), told.SuspendedUntil);
        Assert.Equal(_time.GetUtcNow().AddMinutes(1), state.SuspendedUntil("mx.test"));
        Assert.False((await state.AcquireAsync("mx.test", CancellationToken.None)).IsAcquired);
        held.Dispose();

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(state.SuspendedUntil("mx.test"));
        using DestinationLease again = await state.AcquireAsync("mx.test", CancellationToken.None);
        Assert.True(again.IsAcquired);
    }

    [Fact]
    public async Task Backoff_DoublesFromOneMinute_UpToAnHour_AndSuccessResetsIt()
    {
        var state = new InMemoryDestinationState(20, _time);
        int[] minutes = [1, 2, 4, 8, 16, 32, 60, 60];
        int[] limits = [10, 5, 2, 1, 1, 1, 1, 1];
        for (int i = 0; i < minutes.Length; i++)
        {
            await state.ReportAsync("mx.test", DestinationEvent.PushBack, "421 4.7.0 slow down", CancellationToken.None);
            DestinationSnapshot snapshot = Assert.Single(await state.SnapshotAsync(CancellationToken.None));
            Assert.Equal(_time.GetUtcNow().AddMinutes(minutes[i]), snapshot.SuspendedUntil);
            Assert.Equal(limits[i], snapshot.ConcurrencyLimit);
            Assert.Equal(i + 1, snapshot.ConsecutivePushBacks);
        }

        await state.ReportAsync("mx.test", DestinationEvent.Success, "250 2.0.0 Ok", CancellationToken.None);
        DestinationSnapshot reset = Assert.Single(await state.SnapshotAsync(CancellationToken.None));
        Assert.Equal((0, 2, (DateTimeOffset?)null, "250 2.0.0 Ok"), (reset.ConsecutivePushBacks, reset.ConcurrencyLimit, reset.SuspendedUntil, reset.LastReply));

        await state.ReportAsync("mx.test", DestinationEvent.PushBack, "421 again", CancellationToken.None);
        Assert.Equal(_time.GetUtcNow().AddMinutes(1), state.SuspendedUntil("mx.test"));
    }

    [Fact]
    public async Task CancelledWaiter_GivesItsPlaceToTheNext()
    {
        var state = new InMemoryDestinationState(1, _time);
        DestinationLease held = await state.AcquireAsync("mx.test", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        ValueTask<DestinationLease> cancelled = state.AcquireAsync("mx.test", cancel.Token);
        ValueTask<DestinationLease> next = state.AcquireAsync("mx.test", CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.AsTask());
        held.Dispose();

        using DestinationLease granted = await next.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(granted.IsAcquired);
    }

    [Fact]
    public async Task OtherReplies_AreKeptAsTheLastReply_WithoutChangingAnything()
    {
        var state = new InMemoryDestinationState(20, _time);
        await state.ReportAsync("mx.test", DestinationEvent.Reply, "550 5.1.1 User unknown", CancellationToken.None);

        DestinationSnapshot snapshot = Assert.Single(await state.SnapshotAsync(CancellationToken.None));
        Assert.Equal(("mx.test", 20, 0, (DateTimeOffset?)null, "550 5.1.1 User unknown"), (snapshot.Host, snapshot.ConcurrencyLimit, snapshot.ConsecutivePushBacks, snapshot.SuspendedUntil, snapshot.LastReply));
        Assert.Equal(_time.GetUtcNow(), snapshot.LastEventAt);
    }
}
