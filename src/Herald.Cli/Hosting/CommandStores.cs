// The stores a command opens by itself (herald greylist, herald queue destinations on a stopped server).
using Herald.Cli.Configuration;
using Herald.Cluster;
using Herald.Delivery.Outbound.Destinations;
using Herald.Policy.Greylisting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Cli.Hosting;

/// <summary>
/// What a command reads and writes without a running server: the embedded greylist.db, or in cluster mode
/// the cluster's Redis, so that <c>herald greylist</c> and <c>herald queue destinations</c> show the state
/// every instance shares. Disposing closes whatever was opened.
/// </summary>
internal sealed class CommandStores : IAsyncDisposable
{
    private readonly HeraldSettings _settings;
    private readonly RedisConnection? _redis;
    private readonly List<IDisposable> _opened = [];

    private CommandStores(HeraldSettings settings, RedisConnection? redis)
    {
        _settings = settings;
        _redis = redis;
    }

    /// <summary>Connects to Redis in cluster mode (quietly: a command prints its own errors); otherwise opens nothing yet.</summary>
    public static async Task<CommandStores> OpenAsync(HeraldSettings settings) =>
        new(settings, settings.Cluster.IsEnabled
            ? await RedisConnection.ConnectAsync(settings.Cluster, settings.Server.Hostname, NullLoggerFactory.Instance).ConfigureAwait(false)
            : null);

    /// <summary>Where the cluster's Redis is, for messages; null without a cluster.</summary>
    public string? RedisEndpoints => _redis?.Endpoints;

    /// <summary>True without a cluster; with one, whether Redis answered.</summary>
    public bool IsReachable => _redis?.IsConnected ?? true;

    public IGreylistStore Greylist()
    {
        if (_redis is not null)
        {
            return new RedisGreylistStore(_redis, TimeProvider.System);
        }

        var store = new SqliteGreylistStore(_settings.DataDirectory, TimeProvider.System);
        _opened.Add(store);
        return store;
    }

    /// <summary>The cluster's shared destination state (this process holds no connection); null without a cluster.</summary>
    public IDestinationState? SharedDestinations()
    {
        if (_redis is null)
        {
            return null;
        }

        var state = new RedisDestinationState(_redis, _settings.Delivery.MaxConnectionsPerHost, TimeProvider.System);
        _opened.Add(state);
        return state;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IDisposable opened in _opened)
        {
            opened.Dispose();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
