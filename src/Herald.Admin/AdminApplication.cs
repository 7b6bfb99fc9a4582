// Builds the admin API's small web host: Kestrel on one endpoint, minimal APIs, problem details, the exporter.
using System.Net;
using System.Text.Encodings.Web;
using Herald.Admin.Dashboard;
using Herald.Admin.Health;
using Herald.Admin.Maintenance;
using Herald.Admin.Metrics;
using Herald.Admin.Queue;
using Herald.Admin.Security;
using Herald.Admin.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Admin;

internal static class AdminApplication
{
    /// <summary>Request bodies are a few words of JSON; anything bigger is refused before it is read.</summary>
    private const long MaxRequestBodySize = 16 * 1024;

    public static WebApplication Build(AdminOptions options, AdminContext context, ILoggerFactory loggers, IPEndPoint endpoint)
    {
        // The empty builder reads no appsettings.json, no ASPNETCORE_ variables and adds no logging of its own:
        // everything here comes from Herald's configuration.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "herald-admin" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodySize;
            kestrel.Listen(endpoint);
        });

        // The host of `herald serve` owns the process: its signals, its lifetime and its logs.
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(new HostLoggers(loggers)));
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, OwnedLifetime>());

        builder.Services.AddRoutingCore();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // The shapes of `herald queue --json`: camelCase, indented, addresses readable ("<" not "\u003C").
            json.SerializerOptions.WriteIndented = true;
            json.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton(context.Queue);
        builder.Services.AddSingleton<AccessPolicy>();
        builder.Services.AddSingleton<ChangeLog>();
        builder.Services.AddSingleton<QueueProblemFilter>();
        PrometheusExport.AddServices(builder.Services, context);

        WebApplication app = builder.Build();
        app.UseMiddleware<ChangeLog>();
        app.UseMiddleware<AccessPolicy>();

        // Unknown paths and wrong methods answer with problem details too, not an empty body.
        app.UseStatusCodePages();
        HealthEndpoints.Map(app);
        PrometheusExport.Map(app);
        StatusEndpoints.Map(app);
        QueueEndpoints.Map(app);
        MaintenanceEndpoints.Map(app);
        DashboardPage.Map(app);
        return app;
    }

    /// <summary>A lifetime that waits for nothing: Ctrl-C and SIGTERM are for the host of <c>herald serve</c>, which stops this one.</summary>
    private sealed class OwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
