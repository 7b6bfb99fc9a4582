// What every IRateCounter must do, whatever keeps its counts: run against the in-memory and the Redis counter.
using Herald.Policy.Rates;
using Microsoft.Extensions.Time.Testing;

namespace Herald.TestSupport.Contracts;

/// <summary>
/// The sliding-window contract of <see cref="IRateCounter"/> on a <see cref="FakeTimeProvider"/>: limits,
/// sliding, refused events not counted, keys and buckets apart. A derived class says how to make a counter.
/// </summary>
public abstract class RateCounterContract
{
    protected static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>The clock every counter of a test reads.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>A counter on <see cref="Time"/>, over an empty store of its own for this test.</summary>
    protected abstract IRateCounter NewCounter();

    [Fact]
    public async Task Acquire_UpToTheLimit_IsAllowedAndCounted()
    {
        IRateCounter counter = NewCounter();

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
        IRateCounter counter = NewCounter();
        await Fill(counter, "k", 3);
        Time.Advance(TimeSpan.FromSeconds(15));

        RateDecision decision = await counter.TryAcquireAsync("b", "k", 3, Minute, default);

        Assert.False(decision.IsAllowed);
        Assert.Equal(3, decision.Count);
        Assert.Equal(TimeSpan.FromSeconds(45), decision.RetryAfter);
    }

    [Fact]
    public async Task Window_Slides_OneEventAtATime()
    {
        IRateCounter counter = NewCounter();
        Assert.True((await counter.TryAcquireAsync("b", "k", 3, Minute, default)).IsAllowed); // t=0
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await counter.TryAcquireAsync("b", "k", 3, Minute, default)).IsAllowed); // t=20
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await counter.TryAcquireAsync("b", "k", 3, Minute, default)).IsAllowed); // t=40
        Time.Advance(TimeSpan.FromSeconds(19));
        Assert.False((await counter.TryAcquireAsync("b", "k", 3, Minute, default)).IsAllowed); // t=59: all three inside

        Time.Advance(TimeSpan.FromSeconds(1)); // t=60: the event of t=0 has left the window
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
        IRateCounter counter = NewCounter();
        await Fill(counter, "k", 5);
        Time.Advance(Minute);

        RateDecision decision = await counter.TryAcquireAsync("b", "k", 5, Minute, default);

        Assert.True(decision.IsAllowed);
        Assert.Equal(1, decision.Count);
    }

    [Fact]
    public async Task RefusedEvents_AreNotCounted()
    {
        IRateCounter counter = NewCounter();
        await Fill(counter, "k", 2);
        for (int i = 0; i < 10; i++)
        {
            Assert.False((await counter.TryAcquireAsync("b", "k", 2, Minute, default)).IsAllowed);
        }

        Time.Advance(Minute);

        Assert.Equal(1, (await counter.TryAcquireAsync("b", "k", 2, Minute, default)).Count);
    }

    [Fact]
    public async Task Keys_AreIndependent()
    {
        IRateCounter counter = NewCounter();
        await Fill(counter, "192.0.2.1", 2);

        Assert.False((await counter.TryAcquireAsync("b", "192.0.2.1", 2, Minute, default)).IsAllowed);
        Assert.True((await counter.TryAcquireAsync("b", "192.0.2.2", 2, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task Buckets_AreIndependent()
    {
        IRateCounter counter = NewCounter();
        await Fill(counter, "k", 2);

        Assert.True((await counter.TryAcquireAsync("other", "k", 2, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task Ipv6NetworkKeys_AreCountedLikeAnyOther()
    {
        IRateCounter counter = NewCounter();
        await Fill(counter, "2001:db8:1:2::/84", 1);

        Assert.False((await counter.TryAcquireAsync("b", "2001:db8:1:2::/84", 1, Minute, default)).IsAllowed);
        Assert.True((await counter.TryAcquireAsync("b", "2001:db8:1:3::/84", 1, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task Limit_LoweredForAKey_AppliesAtOnce()
    {
        IRateCounter counter = NewCounter();
        await Fill(counter, "k", 5);

        RateDecision decision = await counter.TryAcquireAsync("b", "k", 3, Minute, default);

        Assert.False(decision.IsAllowed);
        Assert.Equal(5, decision.Count);
    }

    [Fact]
    public async Task ManyEvents_KeepTheirOrder()
    {
        IRateCounter counter = NewCounter();
        for (int i = 0; i < 20; i++)
        {
            Assert.True((await counter.TryAcquireAsync("b", "k", 20, Minute, default)).IsAllowed);
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        // t=20: events at 0..19 s; the oldest leaves at 60 s.
        RateDecision decision = await counter.TryAcquireAsync("b", "k", 20, Minute, default);
        Assert.False(decision.IsAllowed);
        Assert.Equal(TimeSpan.FromSeconds(40), decision.RetryAfter);
    }

    [Fact]
    public async Task EventsAtTheSameInstant_AreCountedEach()
    {
        IRateCounter counter = NewCounter();

        await Fill(counter, "k", 4);

        Assert.Equal(4, (await counter.TryAcquireAsync("b", "k", 4, Minute, default)).Count);
    }

    [Fact]
    public async Task ConcurrentAcquires_NeverAllowMoreThanTheLimit()
    {
        IRateCounter counter = NewCounter();
        int allowed = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), async (_, ct) =>
        {
            if ((await counter.TryAcquireAsync("b", "k", 100, Minute, ct)).IsAllowed)
            {
                Interlocked.Increment(ref allowed);
            }
        });

        Assert.Equal(100, allowed);
    }

    [Fact]
    public async Task Acquire_BadArguments_Throw()
    {
        IRateCounter counter = NewCounter();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await counter.TryAcquireAsync("b", "k", 0, Minute, default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await counter.TryAcquireAsync("b", "k", 1, TimeSpan.Zero, default));
    }

    /// <summary>Counts <paramref name="count"/> events for <paramref name="key"/> in bucket "b", each allowed.</summary>
    protected static async Task Fill(IRateCounter counter, string key, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True((await counter.TryAcquireAsync("b", key, count, Minute, default)).IsAllowed);
        }
    }
}
