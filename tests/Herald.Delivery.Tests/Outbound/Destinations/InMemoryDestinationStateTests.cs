// The in-memory destination state: the shared contract, and adopting a record kept elsewhere.
using Herald.Delivery.Outbound.Destinations;
using Herald.TestSupport.Contracts;

namespace Herald.Delivery.Tests.Outbound.Destinations;

public sealed class InMemoryDestinationStateTests : DestinationStateContract
{
    protected override IDestinationState CreateState(int maxConcurrency) => new InMemoryDestinationState(maxConcurrency, Time);

    [Fact]
    public async Task Adopt_ASuspendedRecord_TellsTheWaitersAtOnce()
    {
        var state = new InMemoryDestinationState(1, Time);
        using DestinationLease held = await state.AcquireAsync("mx.test", CancellationToken.None);
        ValueTask<DestinationLease> waiting = state.AcquireAsync("mx.test", CancellationToken.None);
        DateTimeOffset until = Time.GetUtcNow().AddMinutes(2);

        state.Adopt(DestinationRecord.Fresh("mx.test", 1) with { ConsecutivePushBacks = 2, SuspendedUntil = until });

        DestinationLease told = await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(told.IsAcquired);
        Assert.Equal(until, told.SuspendedUntil);
    }

    [Fact]
    public async Task Adopt_AHigherLimit_LetsWaitersIn_ButNeverPastTheConfiguredOne()
    {
        var state = new InMemoryDestinationState(2, Time);
        await state.ReportAsync("mx.test", DestinationEvent.PushBack, "421 busy", CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(1));
        using DestinationLease first = await state.AcquireAsync("mx.test", CancellationToken.None);
        ValueTask<DestinationLease> waiting = state.AcquireAsync("mx.test", CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        state.Adopt(DestinationRecord.Fresh("mx.test", 50));

        using DestinationLease second = await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(second.IsAcquired);
        DestinationSnapshot snapshot = Assert.Single(await state.SnapshotAsync(CancellationToken.None));
        Assert.Equal((2, 2), (snapshot.Connections, snapshot.ConcurrencyLimit));
    }

    [Fact]
    public void Backoff_IsOneMinute_Doubling_UpToAnHour()
    {
        Assert.Equal(
            [1, 2, 4, 8, 16, 32, 60, 60],
            Enumerable.Range(1, 8).Select(n => DestinationRecord.Backoff(n).TotalMinutes));
    }
}
