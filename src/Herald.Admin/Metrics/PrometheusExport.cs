// /metrics: the libraries' meters, exported in the Prometheus text format by the OpenTelemetry SDK.
using Herald.Bounces;
using Herald.Delivery;
using Herald.Policy;
using Herald.Queue;
using Herald.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Herald.Admin.Metrics;

/// <summary>
/// The exporter lives here and nowhere else: Herald.Server, Herald.Policy, Herald.Queue, Herald.Delivery and
/// Herald.Bounces count on <see cref="System.Diagnostics.Metrics"/> instruments and know nothing of Prometheus.
/// The OpenTelemetry exporter turns <c>herald.smtp.connections.refused</c> into
/// <c>herald_smtp_connections_refused_total</c>, adds the unit (<c>_bytes</c>, <c>_seconds</c>) and serves
/// counters as counters and up-down counters and observable gauges as gauges.
/// </summary>
internal static class PrometheusExport
{
    public const string Path = "/metrics";

    /// <summary>Herald's meters, named one by one: nothing else that happens to publish metrics in the process.</summary>
    public static IReadOnlyList<string> Meters { get; } =
    [
        ServerMetrics.MeterName,
        PolicyMetrics.MeterName,
        QueueMetrics.MeterName,
        DeliveryMetrics.MeterName,
        BounceMetrics.MeterName,

        // The runtime's own meter (.NET 9 and later): managed heap, GC, thread pool, exceptions; no package needed.
        "System.Runtime",
    ];

    public static void AddServices(IServiceCollection services, AdminContext context) =>
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("herald", serviceVersion: context.Version, serviceInstanceId: context.Hostname))
            .WithMetrics(metrics => metrics
                .AddMeter([.. Meters])
                .AddPrometheusExporter(options =>
                {
                    // Every scrape sees the counts of that moment: a test or an operator that has just sent mail
                    // must not be shown a cached page.
                    options.ScrapeResponseCacheDurationMilliseconds = 0;
                }));

    public static void Map(IEndpointRouteBuilder app) => app.MapPrometheusScrapingEndpoint(Path);
}
