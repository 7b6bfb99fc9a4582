// Cluster mode for `herald serve`: the Redis connection and the shared stores in place of the embedded ones.
using Herald.Cli.Configuration;
using Herald.Cluster;
using Herald.Delivery.Outbound.Destinations;
using Herald.Policy.Greylisting;
using Herald.Policy.Rates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Hosting;

internal static class ClusterServices
{
    /// <summary>
    /// With <c>Cluster:Redis</c> set, registers the connection (made when the server is first resolved, at
    /// start-up; an unreachable Redis is logged and retried, not fatal) and the Redis rate counter, greylist
    /// store and destination state. Without it, registers the in-memory destination state and nothing else:
    /// the receiving policy then makes its own in-memory counter and SQLite greylist store.
    /// </summary>
    public static void AddPolicyAndDestinationStores(this IServiceCollection services, HeraldSettings settings)
    {
        if (!settings.Cluster.IsEnabled)
        {
            services.AddSingleton<IDestinationState>(sp => new InMemoryDestinationState(settings.Delivery, sp.GetRequiredService<TimeProvider>()));
            return;
        }

        // The host is being built on the start-up thread, with no context to deadlock on.
        services.AddSingleton(sp => RedisConnection.ConnectAsync(
            settings.Cluster, settings.Server.Hostname, sp.GetRequiredService<ILoggerFactory>()).GetAwaiter().GetResult());
        services.AddSingleton<IRateCounter>(sp => new RedisRateCounter(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IGreylistStore>(sp => new RedisGreylistStore(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IDestinationState>(sp => new RedisDestinationState(
            sp.GetRequiredService<RedisConnection>(), settings.Delivery.MaxConnectionsPerHost, sp.GetRequiredService<TimeProvider>()));
    }
}
