// One redis-server shared by the tests of a class (xunit class fixture), each test under a key prefix of its own.
namespace Herald.TestSupport.Redis;

/// <summary>
/// Starts a <see cref="RedisServer"/> before the first test of a class and stops it after the last. Tests
/// share it by taking a <see cref="NewKeyPrefix"/> each, so they never see each other's keys; a test that
/// stops Redis starts a server of its own instead.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A key prefix no other test uses, in the form <c>Cluster:KeyPrefix</c> takes.</summary>
    public static string NewKeyPrefix() => $"herald-test:{Guid.NewGuid():N}:";
}
