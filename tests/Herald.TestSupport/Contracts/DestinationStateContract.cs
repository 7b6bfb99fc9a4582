// What every IDestinationState must do, whoever keeps the records: run against the in-memory and the Redis state.
using Herald.Delivery.Outbound.Destinations;
using Microsoft.Extensions.Time.Testing;

namespace Herald.TestSupport.Contracts;

/// <summary>
/// The contract of <see cref="IDestinationState"/> as one process sees it: slots up to the limit, waiting,
/// push-back halving and suspension that tells the waiters, the doubling back-off, success resetting it.
/// </summary>
public abstract class DestinationStateContract : IAsyncLifetime
{
    private readonly List<IDestinationState> _created = [];

    /// <summary>The clock every state of a test reads.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (IAsyncDisposable disposable in _created.OfType<IAsyncDisposable>())
        {
            await disposable.DisposeAsync();
        }
    }

    /// <summary>A state on <see cref="Time"/> with <paramref name="maxConcurrency"/> slots per host, over this test's own (empty) store.</summary>
    protected abstract IDestinationState CreateState(int maxConcurrency);

    /// <summary><see cref="CreateState"/>, disposed when the test ends.</summary>
    protected IDestinationState NewState(int maxConcurrency)
    {
        IDestinationState state = CreateState(maxConcurrency);
        _created.Add(state);
        return state;
    }

    [Fact]
    public async Task Slots_UpToTheLimit_TheNextWaitsUntilOneIsReleased()
    {
        IDestinationState state = NewState(2);
        DestinationLease a = await state.AcquireAsync("mx.test", CancellationToken.None);
        DestinationLease b = await state.AcquireAsync("MX.test", CancellationToken.None);
        ValueTask<DestinationLease> c = state.AcquireAsync("mx.test", CancellationToken.None);

        Assert.True(a.IsAcquired && b.IsAcquired);
        Assert.False(c.IsCompleted);

        a.Dispose();
        a.Dispose();
        DestinationLease third = await c.AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(third.IsAcquired);
        b.Dispose();
        third.Dispose();
    }

    [Fact]
    public async Task PushBack_HalvesTheLimit_SuspendsTheHost_AndTellsTheWaiters()
    {
        IDestinationState state = NewState(1);
        DestinationLease held = await state.AcquireAsync("mx.test", CancellationToken.None);
        ValueTask<DestinationLease> waiting = state.AcquireAsync("mx.test", CancellationToken.None);

        await state.ReportAsync("mx.test", DestinationEvent.PushBack, "421 4.3.2 busy", CancellationToken.None);
        DestinationLease told = await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(told.IsAcquired);
        Assert.Equal(Time.GetUtcNow().AddMinutes(1), told.SuspendedUntil);
        Assert.Equal(Time.GetUtcNow().AddMinutes(1), await state.SuspendedUntilAsync("mx.test", CancellationToken.None));
        Assert.False((await state.AcquireAsync("mx.test", CancellationToken.None)).IsAcquired);
        held.Dispose();

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await state.SuspendedUntilAsync("mx.test", CancellationToken.None));
        using DestinationLease again = await state.AcquireAsync("mx.test", CancellationToken.None);
        Assert.True(again.IsAcquired);
    }

    [Fact]
    public async Task Backoff_DoublesFromOneMinute_UpToAnHour_AndSuccessResetsIt()
    {
        IDestinationState state = NewState(20);
        int[] minutes = [1, 2, 4, 8, 16, 32, 60, 60];
        int[] limits = [10, 5, 2, 1, 1, 1, 1, 1];
        for (int i = 0; i < minutes.Length; i++)
        {
            await state.ReportAsync("mx.test", DestinationEvent.PushBack, "421 4.7.0 slow down", CancellationToken.None);
            DestinationSnapshot snapshot = Assert.Single(await state.SnapshotAsync(CancellationToken.None));
            Assert.Equal(Time.GetUtcNow().AddMinutes(minutes[i]), snapshot.SuspendedUntil);
            Assert.Equal(limits[i], snapshot.ConcurrencyLimit);
            Assert.Equal(i + 1, snapshot.ConsecutivePushBacks);
        }

        await state.ReportAsync("mx.test", DestinationEvent.Success, "250 2.0.0 Ok", CancellationToken.None);
        DestinationSnapshot reset = Assert.Single(await state.SnapshotAsync(CancellationToken.None));
        Assert.Equal((0, 2, (DateTimeOffset?)null, "250 2.0.0 Ok"), (reset.ConsecutivePushBacks, reset.ConcurrencyLimit, reset.SuspendedUntil, reset.LastReply));

        await state.ReportAsync("mx.test", DestinationEvent.PushBack, "421 again", CancellationToken.None);
        Assert.Equal(Time.GetUtcNow().AddMinutes(1), await state.SuspendedUntilAsync("mx.test", CancellationToken.None));
    }

    [Fact]
    public async Task CancelledWaiter_GivesItsPlaceToTheNext()
    {
        IDestinationState state = NewState(1);
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
        IDestinationState state = NewState(20);
        await state.ReportAsync("mx.test", DestinationEvent.Reply, "550 5.1.1 User unknown", CancellationToken.None);

        DestinationSnapshot snapshot = Assert.Single(await state.SnapshotAsync(CancellationToken.None));
        Assert.Equal(("mx.test", 20, 0, (DateTimeOffset?)null, "550 5.1.1 User unknown"), (snapshot.Host, snapshot.ConcurrencyLimit, snapshot.ConsecutivePushBacks, snapshot.SuspendedUntil, snapshot.LastReply));
        Assert.Equal(Time.GetUtcNow(), snapshot.LastEventAt);
    }

    [Fact]
    public async Task Snapshot_CountsTheConnectionsInUse()
    {
        IDestinationState state = NewState(3);
        using DestinationLease a = await state.AcquireAsync("mx.test", CancellationToken.None);
        DestinationLease b = await state.AcquireAsync("mx.test", CancellationToken.None);

        Assert.Equal(2, Assert.Single(await state.SnapshotAsync(CancellationToken.None)).Connections);
        b.Dispose();
        Assert.Equal(1, Assert.Single(await state.SnapshotAsync(CancellationToken.None)).Connections);
    }

    [Fact]
    public async Task Hosts_AreKeptApart_InLowerCase()
    {
        IDestinationState state = NewState(4);
        await state.ReportAsync("MX1.test", DestinationEvent.PushBack, "421 busy", CancellationToken.None);
        await state.ReportAsync("mx2.test", DestinationEvent.Reply, "451 later", CancellationToken.None);

        IReadOnlyList<DestinationSnapshot> hosts = await state.SnapshotAsync(CancellationToken.None);

        Assert.Equal(["mx1.test", "mx2.test"], hosts.Select(h => h.Host));
        Assert.Equal((2, 4), (hosts[0].ConcurrencyLimit, hosts[1].ConcurrencyLimit));
        Assert.Null(await state.SuspendedUntilAsync("mx2.test", CancellationToken.None));
        Assert.NotNull(await state.SuspendedUntilAsync("mx1.test", CancellationToken.None));
    }
}
