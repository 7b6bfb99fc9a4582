// The SQLite greylist store: created on first use, WAL, atomic updates, restart, list, allow, purge.
using System.Net;
using Herald.Policy.Greylisting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Greylisting;

public sealed class SqliteGreylistStoreTests : IDisposable
{
    private static readonly GreylistTriplet Triplet = GreylistTriplet.For(IPAddress.Parse("192.0.2.1"), "a@example.org", "b@example.net");
    private static readonly GreylistTriplet Other = GreylistTriplet.For(IPAddress.Parse("192.0.2.2"), "x@example.org", "y@example.net");
    private static readonly GreylistRules Rules = GreylistRules.From(new GreylistOptions());
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = TestClock.New();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task File_IsCreatedOnFirstUse_WithItsDirectory()
    {
        string directory = Path.Combine(_directory.Path, "state");
        using var store = new SqliteGreylistStore(directory, _time);
        Assert.False(File.Exists(store.FilePath));

        await Observe(store, Triplet);

        Assert.Equal(Path.Combine(directory, "greylist.db"), store.FilePath);
        Assert.True(File.Exists(store.FilePath));
    }

    [Fact]
    public async Task File_IsInWalMode()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);
        await Observe(store, Triplet);

        using var connection = new SqliteConnection($"Data Source={store.FilePath};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string)command.ExecuteScalar()!);
    }

    [Fact]
    public async Task Update_SeesWhatTheLastUpdateStored()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);
        GreylistEntry first = await Observe(store, Triplet);
        _time.Advance(TimeSpan.FromMinutes(6));

        GreylistEntry? seen = null;
        await store.UpdateAsync(Triplet, current => { seen = current; return Rules.Next(current, Triplet, _time.GetUtcNow()); }, default);

        Assert.Equal(first, seen);
    }

    [Fact]
    public async Task Entries_SurviveANewStoreOnTheSameFile()
    {
        GreylistEntry first;
        using (var store = new SqliteGreylistStore(_directory.Path, _time))
        {
            first = await Observe(store, Triplet);
        }

        _time.Advance(TimeSpan.FromMinutes(6));
        using var restarted = new SqliteGreylistStore(_directory.Path, _time);
        GreylistEntry? seen = null;
        GreylistEntry passed = await restarted.UpdateAsync(Triplet, current => { seen = current; return Rules.Next(current, Triplet, _time.GetUtcNow()); }, default);

        Assert.Equal(first, seen);
        Assert.True(passed.Passed);
    }

    [Fact]
    public async Task List_ShowsEveryEntry_MostRecentlySeenFirst()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);
        GreylistTriplet v6 = GreylistTriplet.For(IPAddress.Parse("2001:db8::1"), null, "c@example.net");
        await Observe(store, Triplet);
        _time.Advance(TimeSpan.FromSeconds(10));
        await Observe(store, v6);

        IReadOnlyList<GreylistEntry> entries = await store.ListAsync(default);

        Assert.Equal([v6, Triplet], entries.Select(e => e.Triplet));
        DateTimeOffset seen = TestClock.Start.AddSeconds(10);
        Assert.Equal(new GreylistEntry(v6, seen, seen, Passed: false, Expires: seen.AddHours(24)), entries[0]);
    }

    [Fact]
    public async Task Allow_MarksANewTripletPassed()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);

        await store.AllowAsync(Triplet, TimeSpan.FromDays(36), default);

        GreylistEntry entry = Assert.Single(await store.ListAsync(default));
        Assert.True(entry.Passed);
        Assert.Equal(TestClock.Start + TimeSpan.FromDays(36), entry.Expires);
    }

    [Fact]
    public async Task Allow_KeepsTheFirstAttemptOfAGreylistedTriplet()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);
        await Observe(store, Triplet);
        _time.Advance(TimeSpan.FromSeconds(30));

        await store.AllowAsync(Triplet, TimeSpan.FromDays(1), default);

        GreylistEntry entry = Assert.Single(await store.ListAsync(default));
        Assert.True(entry.Passed);
        Assert.Equal(TestClock.Start, entry.FirstSeen);
        Assert.Equal(TestClock.Start.AddSeconds(30), entry.LastSeen);
    }

    [Fact]
    public async Task Purge_Expired_RemovesOnlyExpiredEntries()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);
        await Observe(store, Triplet); // expires after 24 h
        await store.AllowAsync(Other, TimeSpan.FromDays(36), default);
        _time.Advance(TimeSpan.FromHours(25));

        Assert.Equal(1, await store.PurgeAsync(all: false, default));

        Assert.Equal(Other, Assert.Single(await store.ListAsync(default)).Triplet);
    }

    [Fact]
    public async Task Purge_All_RemovesEverything()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);
        await Observe(store, Triplet);
        await store.AllowAsync(Other, TimeSpan.FromDays(36), default);

        Assert.Equal(2, await store.PurgeAsync(all: true, default));

        Assert.Empty(await store.ListAsync(default));
    }

    [Fact]
    public async Task ExpiredEntries_ArePurgedWhenTheStoreOpens()
    {
        using (var store = new SqliteGreylistStore(_directory.Path, _time))
        {
            await Observe(store, Triplet);
        }

        _time.Advance(TimeSpan.FromDays(2));
        using var restarted = new SqliteGreylistStore(_directory.Path, _time);

        Assert.Empty(await restarted.ListAsync(default));
    }

    [Fact]
    public async Task ExpiredEntries_ArePurgedHourlyWhileRunning()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);
        await Observe(store, Triplet);
        _time.Advance(TimeSpan.FromHours(25));

        await Observe(store, Other);

        Assert.Equal(Other, Assert.Single(await store.ListAsync(default)).Triplet);
    }

    [Fact]
    public async Task ConcurrentUpdates_OfOneTriplet_AreNotLost()
    {
        using var store = new SqliteGreylistStore(_directory.Path, _time);
        DateTimeOffset start = TestClock.Start;

        await Parallel.ForEachAsync(Enumerable.Range(0, 50), async (_, ct) =>
            await store.UpdateAsync(
                Triplet,
                current => current is null
                    ? new GreylistEntry(Triplet, start, start, Passed: false, Expires: start.AddMilliseconds(1))
                    : current with { Expires = current.Expires.AddMilliseconds(1) },
                ct));

        Assert.Equal(start.AddMilliseconds(50), Assert.Single(await store.ListAsync(default)).Expires);
    }

    [Fact]
    public async Task NewerSchema_IsRefusedAsAStoreFailure()
    {
        string path = Path.Combine(_directory.Path, SqliteGreylistStore.FileName);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        using var store = new SqliteGreylistStore(_directory.Path, _time);

        GreylistStoreException e = await Assert.ThrowsAsync<GreylistStoreException>(async () => await Observe(store, Triplet));
        Assert.Contains("schema version 99", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnusableLocation_IsAStoreFailure()
    {
        string blocker = Path.Combine(_directory.Path, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        using var store = new SqliteGreylistStore(Path.Combine(blocker, "state"), _time);

        await Assert.ThrowsAsync<GreylistStoreException>(async () => await Observe(store, Triplet));
    }

    [Fact]
    public async Task DisposedStore_Throws()
    {
        var store = new SqliteGreylistStore(_directory.Path, _time);
        await Observe(store, Triplet);
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ListAsync(default));
    }

    private async Task<GreylistEntry> Observe(SqliteGreylistStore store, GreylistTriplet triplet)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return await store.UpdateAsync(triplet, current => Rules.Next(current, triplet, now), default);
    }
}
