// The in-memory counter: the shared contract, and what only it does: idle keys dropped, the key cap, no awaiting.
using Herald.Policy.Rates;
using Herald.TestSupport.Contracts;

namespace Herald.Policy.Tests.Rates;

public sealed class InMemoryRateCounterTests : RateCounterContract
{
    protected override IRateCounter NewCounter() => new InMemoryRateCounter(Time);

    [Fact]
    public async Task IdleKeys_Expire_AndTheirMemoryIsReleased()
    {
        var counter = new InMemoryRateCounter(Time);
        for (int i = 0; i < 50; i++)
        {
            await counter.TryAcquireAsync("b", $"192.0.2.{i}", 5, Minute, default);
        }

        Assert.Equal(50, counter.TrackedKeys);
        Time.Advance(TimeSpan.FromMinutes(2));

        await counter.TryAcquireAsync("b", "198.51.100.1", 5, Minute, default);

        Assert.Equal(1, counter.TrackedKeys);
    }

    [Fact]
    public async Task ActiveKeys_SurviveTheSweep()
    {
        var counter = new InMemoryRateCounter(Time);
        await counter.TryAcquireAsync("b", "old", 5, Minute, default);
        Time.Advance(TimeSpan.FromSeconds(50));
        await Fill(counter, "busy", 2);
        Time.Advance(TimeSpan.FromSeconds(20)); // t=70: "old" idle, "busy" still inside its window

        await counter.TryAcquireAsync("b", "new", 5, Minute, default);

        Assert.Equal(2, counter.TrackedKeys);
        Assert.False((await counter.TryAcquireAsync("b", "busy", 2, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task FullTable_NewKeyIsAllowedWithoutBeingCounted()
    {
        var counter = new InMemoryRateCounter(Time, maxKeys: 2);
        await Fill(counter, "a", 1);
        await Fill(counter, "b", 1);

        for (int i = 0; i < 5; i++)
        {
            Assert.True((await counter.TryAcquireAsync("b", "c", 1, Minute, default)).IsAllowed);
        }

        Assert.Equal(2, counter.TrackedKeys);
        Assert.False((await counter.TryAcquireAsync("b", "a", 1, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task FullTable_MakesRoomOnceKeysGoIdle()
    {
        var counter = new InMemoryRateCounter(Time, maxKeys: 2);
        await Fill(counter, "a", 1);
        await Fill(counter, "b", 1);
        Time.Advance(Minute);

        Assert.True((await counter.TryAcquireAsync("b", "c", 1, Minute, default)).IsAllowed);
        Assert.False((await counter.TryAcquireAsync("b", "c", 1, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task Acquire_CompletesSynchronously()
    {
        var counter = new InMemoryRateCounter(Time);

        ValueTask<RateDecision> pending = counter.TryAcquireAsync("b", "k", 1, Minute, default);

        Assert.True(pending.IsCompletedSuccessfully);
        await pending;
    }
}
