// Sliding-window counting on a FakeTimeProvider: limits, sliding, independence, idle expiry, the key cap.
using Herald.Policy.Rates;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Rates;

public sealed class InMemoryRateCounterTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _time = TestClock.New();

    [Fact]
    public async Task Acquire_UpToTheLimit_IsAllowedAndCounted()
    {
        var counter = new InMemoryRateCounter(_time);

        for (int i = 1; i <= 3; i++)
        {
            RateDecision decision = await counter.TryAcquireAsync("b", "k", 3, Minute, default);
            Assert.True(decision.IsAllowed);
            Assert.Equal(i, decision.Count);
            Assert.Equal(TimeSpan.Zero, decision.RetryAfter);
        }
    }

    [Fact]
    public async Task Acquire_OverTheLimit_IsRefusedWithTheTimeUntilASlotFrees()
    {
        var counter = new InMemoryRateCounter(_time);
        await Fill(counter, "k", 3);
        _time.Advance(TimeSpan.FromSeconds(15));

        RateDecision decision = await counter.TryAcquireAsync("b", "k", 3, Minute, default);

        Assert.False(decision.IsAllowed);
        Assert.Equal(3, decision.Count);
        Assert.Equal(TimeSpan.FromSeconds(45), decision.RetryAfter);
    }

    [Fact]
    public async Task Window_Slides_OneEventAtATime()
    {
        var counter = new InMemoryRateCounter(_time);
        Assert.True((await counter.TryAcquireAsync("b", "k", 3, Minute, default)).IsAllowed); // t=0
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await counter.TryAcquireAsync("b", "k", 3, Minute, default)).IsAllowed); // t=20
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await counter.TryAcquireAsync("b", "k", 3, Minute, default)).IsAllowed); // t=40
        _time.Advance(TimeSpan.FromSeconds(19));
        Assert.False((await counter.TryAcquireAsync("b", "k", 3, Minute, default)).IsAllowed); // t=59: all three inside

        _time.Advance(TimeSpan.FromSeconds(1)); // t=60: the event of t=0 has left the window
        RateDecision freed = await counter.TryAcquireAsync("b", "k", 3, Minute, default);
        Assert.True(freed.IsAllowed);
        Assert.Equal(3, freed.Count);

        RateDecision full = await counter.TryAcquireAsync("b", "k", 3, Minute, default); // t=60: 20, 40, 60 inside
        Assert.False(full.IsAllowed);
        Assert.Equal(TimeSpan.FromSeconds(20), full.RetryAfter);
    }

    [Fact]
    public async Task Window_AfterAWholeWindowOfSilence_StartsEmpty()
    {
        var counter = new InMemoryRateCounter(_time);
        await Fill(counter, "k", 5);
        _time.Advance(Minute);

        RateDecision decision = await counter.TryAcquireAsync("b", "k", 5, Minute, default);

        Assert.True(decision.IsAllowed);
        Assert.Equal(1, decision.Count);
    }

    [Fact]
    public async Task RefusedEvents_AreNotCounted()
    {
        var counter = new InMemoryRateCounter(_time);
        await Fill(counter, "k", 2);
        for (int i = 0; i < 10; i++)
        {
            Assert.False((await counter.TryAcquireAsync("b", "k", 2, Minute, default)).IsAllowed);
        }

        _time.Advance(Minute);

        Assert.Equal(1, (await counter.TryAcquireAsync("b", "k", 2, Minute, default)).Count);
    }

    [Fact]
    public async Task Keys_AreIndependent()
    {
        var counter = new InMemoryRateCounter(_time);
        await Fill(counter, "192.0.2.1", 2);

        Assert.False((await counter.TryAcquireAsync("b", "192.0.2.1", 2, Minute, default)).IsAllowed);
        Assert.True((await counter.TryAcquireAsync("b", "192.0.2.2", 2, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task Buckets_AreIndependent()
    {
        var counter = new InMemoryRateCounter(_time);
        await Fill(counter, "k", 2);

        Assert.True((await counter.TryAcquireAsync("other", "k", 2, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task Limit_LoweredForAKey_AppliesAtOnce()
    {
        var counter = new InMemoryRateCounter(_time);
        await Fill(counter, "k", 5);

        RateDecision decision = await counter.TryAcquireAsync("b", "k", 3, Minute, default);

        Assert.False(decision.IsAllowed);
        Assert.Equal(5, decision.Count);
    }

    [Fact]
    public async Task Log_GrowsPastItsFirstCapacity_KeepingTheOrder()
    {
        var counter = new InMemoryRateCounter(_time);
        for (int i = 0; i < 20; i++)
        {
            Assert.True((await counter.TryAcquireAsync("b", "k", 20, Minute, default)).IsAllowed);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // t=20: events at 0..19 s; the oldest leaves at 60 s.
        RateDecision decision = await counter.TryAcquireAsync("b", "k", 20, Minute, default);
        Assert.False(decision.IsAllowed);
        Assert.Equal(TimeSpan.FromSeconds(40), decision.RetryAfter);
    }

    [Fact]
    public async Task IdleKeys_Expire_AndTheirMemoryIsReleased()
    {
        var counter = new InMemoryRateCounter(_time);
        for (int i = 0; i < 50; i++)
        {
            await counter.TryAcquireAsync("b", $"192.0.2.{i}", 5, Minute, default);
        }

        Assert.Equal(50, counter.TrackedKeys);
        _time.Advance(TimeSpan.FromMinutes(2));

        await counter.TryAcquireAsync("b", "198.51.100.1", 5, Minute, default);

        Assert.Equal(1, counter.TrackedKeys);
    }

    [Fact]
    public async Task ActiveKeys_SurviveTheSweep()
    {
        var counter = new InMemoryRateCounter(_time);
        await counter.TryAcquireAsync("b", "old", 5, Minute, default);
        _time.Advance(TimeSpan.FromSeconds(50));
        await Fill(counter, "busy", 2);
        _time.Advance(TimeSpan.FromSeconds(20)); // t=70: "old" idle, "busy" still inside its window

        await counter.TryAcquireAsync("b", "new", 5, Minute, default);

        Assert.Equal(2, counter.TrackedKeys);
        Assert.False((await counter.TryAcquireAsync("b", "busy", 2, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task FullTable_NewKeyIsAllowedWithoutBeingCounted()
    {
        var counter = new InMemoryRateCounter(_time, maxKeys: 2);
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
        var counter = new InMemoryRateCounter(_time, maxKeys: 2);
        await Fill(counter, "a", 1);
        await Fill(counter, "b", 1);
        _time.Advance(Minute);

        Assert.True((await counter.TryAcquireAsync("b", "c", 1, Minute, default)).IsAllowed);
        Assert.False((await counter.TryAcquireAsync("b", "c", 1, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task ConcurrentAcquires_NeverAllowMoreThanTheLimit()
    {
        var counter = new InMemoryRateCounter(_time);
        int allowed = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), async (_, ct) =>
        {
            if ((await counter.TryAcquireAsync("b", "k", 100, Minute, ct)).IsAllowed)
            {
                Interlocked.Increment(ref allowed);
            }
        });

        Assert.Equal(100, allowed);
    }

    [Fact]
    public async Task Acquire_CompletesSynchronously()
    {
        var counter = new InMemoryRateCounter(_time);

        ValueTask<RateDecision> pending = counter.TryAcquireAsync("b", "k", 1, Minute, default);

        Assert.True(pending.IsCompletedSuccessfully);
        await pending;
    }

    [Fact]
    public async Task Acquire_BadArguments_Throw()
    {
        var counter = new InMemoryRateCounter(_time);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await counter.TryAcquireAsync("b", "k", 0, Minute, default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await counter.TryAcquireAsync("b", "k", 1, TimeSpan.Zero, default));
    }

    private static async Task Fill(InMemoryRateCounter counter, string key, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True((await counter.TryAcquireAsync("b", key, count, Minute, default)).IsAllowed);
        }
    }
}
