// The shared destination state against a real redis-server: the contract, two instances backing off together, Redis down.
using Herald.Delivery.Outbound.Destinations;
using Herald.TestSupport.Contracts;
using Herald.TestSupport.Logging;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Cluster.Tests;

public sealed class RedisDestinationStateTests(RedisServerFixture redis) : DestinationStateContract, IClassFixture<RedisServerFixture>
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private readonly List<RedisConnection> _connections = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (RedisConnection connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    protected override IDestinationState CreateState(int maxConcurrency) =>
        new RedisDestinationState(Connect(redis.Server, "a"), maxConcurrency, Time);

    [Fact]
    public async Task PushBackSeenByOneInstance_SuspendsTheHostForAnother()
    {
        var a = new RedisDestinationState(Connect(redis.Server, "a"), 20, Time);
        var b = new RedisDestinationState(Connect(redis.Server, "b"), 20, Time);
        using DestinationLease before = await b.AcquireAsync("mx.example.test", CancellationToken.None);

        await a.ReportAsync("mx.example.test", DestinationEvent.PushBack, "421 4.7.0 mx.example.test Error: too many connections", CancellationToken.None);

        DestinationLease refused = await b.AcquireAsync("mx.example.test", CancellationToken.None);
        Assert.False(refused.IsAcquired);
        Assert.Equal(Time.GetUtcNow().AddMinutes(1), refused.SuspendedUntil);
        DestinationSnapshot seenByB = Assert.Single(await b.SnapshotAsync(CancellationToken.None));
        Assert.Equal((1, 10, 1), (seenByB.Connections, seenByB.ConcurrencyLimit, seenByB.ConsecutivePushBacks));
        Assert.StartsWith("421 4.7.0", seenByB.LastReply, StringComparison.Ordinal);

        // A second push-back, through B this time, doubles the suspension for both.
        Time.Advance(TimeSpan.FromMinutes(1));
        await b.ReportAsync("mx.example.test", DestinationEvent.PushBack, "421 again", CancellationToken.None);
        Assert.Equal(Time.GetUtcNow().AddMinutes(2), await a.SuspendedUntilAsync("mx.example.test", CancellationToken.None));
        Assert.Equal(5, Assert.Single(await a.SnapshotAsync(CancellationToken.None)).ConcurrencyLimit);

        // A success anywhere ends it everywhere.
        Time.Advance(TimeSpan.FromMinutes(2));
        await a.ReportAsync("mx.example.test", DestinationEvent.Success, "250 2.0.0 Ok", CancellationToken.None);
        DestinationSnapshot recovered = Assert.Single(await b.SnapshotAsync(CancellationToken.None));
        Assert.Equal((0, 6, (DateTimeOffset?)null), (recovered.ConsecutivePushBacks, recovered.ConcurrencyLimit, recovered.SuspendedUntil));
    }

    [Fact]
    public async Task WaitersOnAnotherInstance_AreToldOfAPushBackAtOnce()
    {
        var a = new RedisDestinationState(Connect(redis.Server, "a"), 1, Time);
        var b = new RedisDestinationState(Connect(redis.Server, "b"), 1, Time);
        using DestinationLease held = await b.AcquireAsync("mx.example.test", CancellationToken.None);
        ValueTask<DestinationLease> waiting = b.AcquireAsync("mx.example.test", CancellationToken.None);

        await a.ReportAsync("mx.example.test", DestinationEvent.PushBack, "421 busy", CancellationToken.None);

        DestinationLease told = await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(told.IsAcquired);
        Assert.Equal(Time.GetUtcNow().AddMinutes(1), told.SuspendedUntil);
    }

    [Fact]
    public async Task LoweredLimit_IsEnforcedByEachInstanceOnItsOwnConnections()
    {
        var a = new RedisDestinationState(Connect(redis.Server, "a"), 4, Time);
        var b = new RedisDestinationState(Connect(redis.Server, "b"), 4, Time);
        await a.ReportAsync("mx.example.test", DestinationEvent.PushBack, "421 busy", CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(1));

        using DestinationLease first = await b.AcquireAsync("mx.example.test", CancellationToken.None);
        using DestinationLease second = await b.AcquireAsync("mx.example.test", CancellationToken.None);
        ValueTask<DestinationLease> third = b.AcquireAsync("mx.example.test", CancellationToken.None);
        using DestinationLease onA = await a.AcquireAsync("mx.example.test", CancellationToken.None);

        Assert.True(first.IsAcquired && second.IsAcquired && onA.IsAcquired);
        Assert.False(third.IsCompleted);
        first.Dispose();
        using DestinationLease granted = await third.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(granted.IsAcquired);
    }

    [Fact]
    public async Task Record_IsAHash_IndexedByLastEvent_KeptADayPastItsSuspension()
    {
        IDestinationState state = NewState(20);

        await state.ReportAsync("MX.Example.test", DestinationEvent.PushBack, "421 busy", CancellationToken.None);

        IDatabase database = Connect(redis.Server, "reader").Database;
        RedisKey key = $"{_prefix}destination:mx.example.test";
        Assert.Equal("10", (string?)await database.HashGetAsync(key, "limit"));
        Assert.Equal(Time.GetUtcNow().AddMinutes(1).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)await database.HashGetAsync(key, "suspended"));
        TimeSpan? ttl = await database.KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), await database.SortedSetScoreAsync($"{_prefix}destinations", "mx.example.test"));
    }

    [Fact]
    public async Task RedisDown_EachInstanceBacksOffOnItsOwn_AndSaysSoOnce()
    {
        await using RedisServer own = await RedisServer.StartAsync();
        var loggers = new CapturingLoggerFactory();
        RedisConnection connection = await RedisConnections.OpenAsync(own, _prefix, loggers);
        _connections.Add(connection);
        var state = new RedisDestinationState(connection, 20, Time);
        await state.ReportAsync("mx.example.test", DestinationEvent.Reply, "451 4.3.0 later", CancellationToken.None);

        await own.StopAsync();
        await state.ReportAsync("mx.example.test", DestinationEvent.PushBack, "421 busy", CancellationToken.None);
        await state.ReportAsync("mx.example.test", DestinationEvent.PushBack, "421 busy", CancellationToken.None);

        DestinationLease refused = await state.AcquireAsync("mx.example.test", CancellationToken.None);
        Assert.False(refused.IsAcquired);
        Assert.Equal(Time.GetUtcNow().AddMinutes(2), refused.SuspendedUntil);
        DestinationSnapshot local = Assert.Single(await state.SnapshotAsync(CancellationToken.None));
        Assert.Equal((2, 5), (local.ConsecutivePushBacks, local.ConcurrencyLimit));
        Assert.Single(loggers.AtLeast(LogLevel.Warning), line => line.Contains("destination state cannot reach Redis", StringComparison.Ordinal));
    }

    private RedisConnection Connect(RedisServer server, string instance)
    {
        RedisConnection connection = RedisConnections.OpenAsync(server, _prefix, instance: instance).GetAwaiter().GetResult();
        _connections.Add(connection);
        return connection;
    }
}
