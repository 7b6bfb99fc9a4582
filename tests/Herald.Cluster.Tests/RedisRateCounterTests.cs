// The Redis rate counter against a real redis-server: the shared contract, sharing between instances, TTL, Redis down.
using Herald.Policy.Rates;
using Herald.TestSupport.Contracts;
using StackExchange.Redis;

namespace Herald.Cluster.Tests;

public sealed class RedisRateCounterTests(RedisServerFixture redis) : RateCounterContract, IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private RedisConnection _connection = null!;

    public async Task InitializeAsync() => _connection = await RedisConnections.OpenAsync(redis.Server, _prefix);

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    protected override IRateCounter NewCounter() => new RedisRateCounter(_connection, Time);

    [Fact]
    public async Task TwoInstances_CountOneClientTogether()
    {
        await using RedisConnection other = await RedisConnections.OpenAsync(redis.Server, _prefix, instance: "other");
        var a = new RedisRateCounter(_connection, Time);
        var b = new RedisRateCounter(other, Time);

        Assert.True((await a.TryAcquireAsync("connections", "192.0.2.7", 2, Minute, default)).IsAllowed);
        Assert.True((await b.TryAcquireAsync("connections", "192.0.2.7", 2, Minute, default)).IsAllowed);
        RateDecision third = await a.TryAcquireAsync("connections", "192.0.2.7", 2, Minute, default);

        Assert.False(third.IsAllowed);
        Assert.Equal(2, third.Count);
    }

    [Fact]
    public async Task OtherKeyPrefixes_AreOtherClusters()
    {
        await using RedisConnection elsewhere = await RedisConnections.OpenAsync(redis.Server, RedisServerFixture.NewKeyPrefix());
        await Fill(NewCounter(), "k", 1);

        Assert.True((await new RedisRateCounter(elsewhere, Time).TryAcquireAsync("b", "k", 1, Minute, default)).IsAllowed);
    }

    [Fact]
    public async Task Key_IsOneSortedSetPerBucketAndKey_ExpiringAfterTheWindow()
    {
        await NewCounter().TryAcquireAsync("messages", "192.0.2.7", 5, Minute, default);

        IDatabase database = _connection.Database;
        RedisKey key = _prefix + "rate:messages:192.0.2.7";
        Assert.Equal(RedisType.SortedSet, await database.KeyTypeAsync(key));
        Assert.Equal(1, await database.SortedSetLengthAsync(key));
        TimeSpan? ttl = await database.KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), Minute);
    }

    [Fact]
    public async Task RedisDown_ThrowsRateCounterUnavailable_AndCountsAgainWhenItIsBack()
    {
        await using RedisServer own = await RedisServer.StartAsync();
        await using RedisConnection connection = await RedisConnections.OpenAsync(own, _prefix);
        var counter = new RedisRateCounter(connection, Time);
        Assert.True((await counter.TryAcquireAsync("b", "k", 1, Minute, default)).IsAllowed);

        await own.StopAsync();
        await Assert.ThrowsAsync<RateCounterUnavailableException>(async () => await counter.TryAcquireAsync("b", "k", 1, Minute, default));

        await own.StartAgainAsync();
        RateDecision decision = await Eventually(() => counter.TryAcquireAsync("b", "k", 1, Minute, default));
        Assert.True(decision.IsAllowed); // the new server is empty
    }

    /// <summary>Retries while Redis is not yet reconnected; a bounded wait, not a timing.</summary>
    private static async Task<T> Eventually<T>(Func<ValueTask<T>> action)
    {
        DateTime giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (RateCounterUnavailableException) when (DateTime.UtcNow < giveUp)
            {
                await Task.Delay(100);
            }
        }
    }
}
