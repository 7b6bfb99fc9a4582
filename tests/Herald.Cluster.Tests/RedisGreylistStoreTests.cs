// The Redis greylist store against a real redis-server: the contract shared with SQLite, keys and TTLs, Redis down.
using Herald.Policy.Greylisting;
using Herald.TestSupport.Contracts;
using StackExchange.Redis;

namespace Herald.Cluster.Tests;

public sealed class RedisGreylistStoreTests(RedisServerFixture redis) : GreylistStoreContract, IClassFixture<RedisServerFixture>
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private RedisConnection _connection = null!;

    public override async Task InitializeAsync() => _connection = await RedisConnections.OpenAsync(redis.Server, _prefix);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _connection.DisposeAsync();
    }

    protected override IGreylistStore CreateStore() => new RedisGreylistStore(_connection, Time);

    [Fact]
    public async Task Entry_IsAHashThatExpiresWithIt_IndexedByExpiry()
    {
        IGreylistStore store = Open();

        await Observe(store, Triplet);

        IDatabase database = _connection.Database;
        RedisKey key = $"{_prefix}greylist:entry:192.0.2.0/24 a@example.org b@example.net";
        Assert.Equal("192.0.2.0/24", (string?)await database.HashGetAsync(key, "network"));
        TimeSpan? ttl = await database.KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromHours(23), TimeSpan.FromHours(24)); // the retry window
        Assert.Equal(Start.AddHours(24).ToUnixTimeMilliseconds(), await database.SortedSetScoreAsync($"{_prefix}greylist:expires", "192.0.2.0/24 a@example.org b@example.net"));
    }

    [Fact]
    public async Task EntryExpiredByTtl_LeavesTheListAndTheIndex()
    {
        IGreylistStore store = Open();
        await Observe(store, Triplet);
        await Observe(store, Other);
        await _connection.Database.KeyDeleteAsync($"{_prefix}greylist:entry:192.0.2.0/24 a@example.org b@example.net");

        Assert.Equal(Other, Assert.Single(await store.ListAsync(default)).Triplet);
        Assert.Equal(1, await _connection.Database.SortedSetLengthAsync($"{_prefix}greylist:expires"));
    }

    [Fact]
    public async Task TwoInstances_SeeOneEntry()
    {
        await using RedisConnection other = await RedisConnections.OpenAsync(redis.Server, _prefix, instance: "other");
        IGreylistStore a = Open();
        var b = new RedisGreylistStore(other, Time);
        await Observe(a, Triplet);
        Time.Advance(TimeSpan.FromMinutes(6));

        GreylistEntry passed = await Observe(b, Triplet);

        Assert.True(passed.Passed);
        Assert.Equal(Start, passed.FirstSeen);
    }

    [Fact]
    public async Task RedisDown_IsAStoreFailure_ThatNamesTheServerButNoPassword()
    {
        await using RedisServer own = await RedisServer.StartAsync();
        await using RedisConnection connection = await RedisConnections.OpenAsync(own, _prefix);
        var store = new RedisGreylistStore(connection, Time);
        await Observe(store, Triplet);

        await own.StopAsync();

        GreylistStoreException e = await Assert.ThrowsAsync<GreylistStoreException>(async () => await Observe(store, Other));
        Assert.Contains(own.Configuration, e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<GreylistStoreException>(async () => await store.ListAsync(default));
        await Assert.ThrowsAsync<GreylistStoreException>(async () => await store.PurgeAsync(all: true, default));
    }
}
