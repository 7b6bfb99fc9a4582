// What every IGreylistStore must do, whatever keeps its entries: run against the SQLite and the Redis store.
using System.Net;
using Herald.Policy.Greylisting;
using Microsoft.Extensions.Time.Testing;

namespace Herald.TestSupport.Contracts;

/// <summary>
/// The contract of <see cref="IGreylistStore"/>: atomic updates that see the last stored entry, entries kept
/// by the store rather than the object, list order, allow, purge (expired or all), expired entries purged
/// when a store opens and hourly while it runs. <c>herald greylist</c> relies on every store behaving alike.
/// </summary>
public abstract class GreylistStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    protected static readonly GreylistTriplet Triplet = GreylistTriplet.For(IPAddress.Parse("192.0.2.1"), "a@example.org", "b@example.net");
    protected static readonly GreylistTriplet Other = GreylistTriplet.For(IPAddress.Parse("192.0.2.2"), "x@example.org", "y@example.net");
    protected static readonly GreylistRules Rules = GreylistRules.From(new GreylistOptions());

    private readonly List<IGreylistStore> _opened = [];

    /// <summary>The clock every store of a test reads.</summary>
    protected FakeTimeProvider Time { get; } = new(Start);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (IGreylistStore store in _opened)
        {
            await Close(store);
        }
    }

    /// <summary>A new store object on <see cref="Time"/> over this test's backing (a file, a key prefix); each call opens the same backing again.</summary>
    protected abstract IGreylistStore CreateStore();

    /// <summary><see cref="CreateStore"/>, closed when the test ends.</summary>
    protected IGreylistStore Open()
    {
        IGreylistStore store = CreateStore();
        _opened.Add(store);
        return store;
    }

    protected static async ValueTask Close(IGreylistStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    [Fact]
    public async Task Update_OfANewTriplet_SeesNoEntry_AndStoresWhatItMade()
    {
        IGreylistStore store = Open();
        GreylistEntry? seen = Rules.Next(null, Triplet, Start);

        GreylistEntry stored = await store.UpdateAsync(Triplet, current => { seen = current; return Rules.Next(current, Triplet, Start); }, default);

        Assert.Null(seen);
        Assert.Equal(new GreylistEntry(Triplet, Start, Start, Passed: false, Expires: Start.AddHours(24)), stored);
    }

    [Fact]
    public async Task Update_SeesWhatTheLastUpdateStored()
    {
        IGreylistStore store = Open();
        GreylistEntry first = await Observe(store, Triplet);
        Time.Advance(TimeSpan.FromMinutes(6));

        GreylistEntry? seen = null;
        GreylistEntry passed = await store.UpdateAsync(Triplet, current => { seen = current; return Rules.Next(current, Triplet, Time.GetUtcNow()); }, default);

        Assert.Equal(first, seen);
        Assert.True(passed.Passed);
    }

    [Fact]
    public async Task Update_ThatChangesTheTriplet_IsRefused()
    {
        IGreylistStore store = Open();

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await store.UpdateAsync(Triplet, _ => Rules.Next(null, Other, Start), default));
    }

    [Fact]
    public async Task Entries_SurviveANewStoreOnTheSameBacking()
    {
        IGreylistStore store = CreateStore();
        GreylistEntry first = await Observe(store, Triplet);
        await Close(store);

        Time.Advance(TimeSpan.FromMinutes(6));
        IGreylistStore reopened = Open();
        GreylistEntry? seen = null;
        GreylistEntry passed = await reopened.UpdateAsync(Triplet, current => { seen = current; return Rules.Next(current, Triplet, Time.GetUtcNow()); }, default);

        Assert.Equal(first, seen);
        Assert.True(passed.Passed);
    }

    [Fact]
    public async Task List_ShowsEveryEntry_MostRecentlySeenFirst()
    {
        IGreylistStore store = Open();
        GreylistTriplet v6 = GreylistTriplet.For(IPAddress.Parse("2001:db8::1"), null, "c@example.net");
        await Observe(store, Triplet);
        Time.Advance(TimeSpan.FromSeconds(10));
        await Observe(store, v6);

        IReadOnlyList<GreylistEntry> entries = await store.ListAsync(default);

        Assert.Equal([v6, Triplet], entries.Select(e => e.Triplet));
        DateTimeOffset seen = Start.AddSeconds(10);
        Assert.Equal(new GreylistEntry(v6, seen, seen, Passed: false, Expires: seen.AddHours(24)), entries[0]);
    }

    [Fact]
    public async Task List_OfAnEmptyStore_IsEmpty()
    {
        Assert.Empty(await Open().ListAsync(default));
    }

    [Fact]
    public async Task Triplets_ThatReadAlikeWhenJoined_AreKeptApart()
    {
        // Quoted local parts may hold spaces: "a b"@example.org. Joined with spaces, these two would be one.
        IGreylistStore store = Open();
        GreylistTriplet first = new("192.0.2.0/24", "\"a b\"@example.org", "c@example.net");
        GreylistTriplet second = new("192.0.2.0/24", "\"a", "b\"@example.org c@example.net");
        await Observe(store, first);
        await Observe(store, second);

        IReadOnlyList<GreylistEntry> entries = await store.ListAsync(default);

        Assert.Equal(2, entries.Count);
        Assert.Contains(entries, e => e.Triplet == first);
        Assert.Contains(entries, e => e.Triplet == second);
    }

    [Fact]
    public async Task Allow_MarksANewTripletPassed()
    {
        IGreylistStore store = Open();

        await store.AllowAsync(Triplet, TimeSpan.FromDays(36), default);

        GreylistEntry entry = Assert.Single(await store.ListAsync(default));
        Assert.True(entry.Passed);
        Assert.Equal(Start + TimeSpan.FromDays(36), entry.Expires);
    }

    [Fact]
    public async Task Allow_KeepsTheFirstAttemptOfAGreylistedTriplet()
    {
        IGreylistStore store = Open();
        await Observe(store, Triplet);
        Time.Advance(TimeSpan.FromSeconds(30));

        await store.AllowAsync(Triplet, TimeSpan.FromDays(1), default);

        GreylistEntry entry = Assert.Single(await store.ListAsync(default));
        Assert.True(entry.Passed);
        Assert.Equal(Start, entry.FirstSeen);
        Assert.Equal(Start.AddSeconds(30), entry.LastSeen);
    }

    [Fact]
    public async Task Purge_Expired_RemovesOnlyExpiredEntries()
    {
        IGreylistStore store = Open();
        await Observe(store, Triplet); // expires after 24 h
        await store.AllowAsync(Other, TimeSpan.FromDays(36), default);
        Time.Advance(TimeSpan.FromHours(25));

        Assert.Equal(1, await store.PurgeAsync(all: false, default));

        Assert.Equal(Other, Assert.Single(await store.ListAsync(default)).Triplet);
    }

    [Fact]
    public async Task Purge_All_RemovesEverything()
    {
        IGreylistStore store = Open();
        await Observe(store, Triplet);
        await store.AllowAsync(Other, TimeSpan.FromDays(36), default);

        Assert.Equal(2, await store.PurgeAsync(all: true, default));

        Assert.Empty(await store.ListAsync(default));
    }

    [Fact]
    public async Task ExpiredEntries_ArePurgedWhenAStoreOpens()
    {
        IGreylistStore store = CreateStore();
        await Observe(store, Triplet);
        await Close(store);

        Time.Advance(TimeSpan.FromDays(2));
        IGreylistStore reopened = Open();

        Assert.Empty(await reopened.ListAsync(default));
    }

    [Fact]
    public async Task ExpiredEntries_ArePurgedHourlyWhileRunning()
    {
        IGreylistStore store = Open();
        await Observe(store, Triplet);
        Time.Advance(TimeSpan.FromHours(25));

        await Observe(store, Other);

        Assert.Equal(Other, Assert.Single(await store.ListAsync(default)).Triplet);
    }

    [Fact]
    public async Task ConcurrentUpdates_OfOneTriplet_AreNotLost()
    {
        IGreylistStore store = Open();

        await Parallel.ForEachAsync(Enumerable.Range(0, 50), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
            await store.UpdateAsync(
                Triplet,
                current => current is null
                    ? new GreylistEntry(Triplet, Start, Start, Passed: false, Expires: Start.AddHours(1).AddMilliseconds(1))
                    : current with { Expires = current.Expires.AddMilliseconds(1) },
                ct));

        Assert.Equal(Start.AddHours(1).AddMilliseconds(50), Assert.Single(await store.ListAsync(default)).Expires);
    }

    /// <summary>One attempt of <paramref name="triplet"/> now, by the default rules.</summary>
    protected async Task<GreylistEntry> Observe(IGreylistStore store, GreylistTriplet triplet)
    {
        DateTimeOffset now = Time.GetUtcNow();
        return await store.UpdateAsync(triplet, current => Rules.Next(current, triplet, now), default);
    }
}
