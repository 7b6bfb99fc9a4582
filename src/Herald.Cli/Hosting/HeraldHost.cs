// Wires the parts of Herald into one Generic Host: the only place that knows them all.
using System.Diagnostics.Metrics;
using Herald.Admin;
using Herald.Bounces;
using Herald.Cli.Configuration;
using Herald.Cli.Control;
using Herald.Delivery;
using Herald.Delivery.Local;
using Herald.Delivery.Outbound;
using Herald.Delivery.Outbound.Destinations;
using Herald.Dns;
using Herald.Policy;
using Herald.Policy.Greylisting;
using Herald.Policy.Rates;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.Queue.Operations;
using Herald.Queue.Reports;
using Herald.Server;
using Herald.Server.Admission;
using Herald.Server.Control;
using Herald.Server.Tls;
using Herald.Policy.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Hosting;

internal static class HeraldHost
{
    /// <summary>Builds the host for <c>herald serve</c>. Nothing listens until the host starts.</summary>
    public static IHost Build(HeraldSettings settings)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);

        // ASP.NET Core logs every request at Information; the admin API logs its changes itself (ChangeLog).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        builder.Services.Configure<HostOptions>(o =>
        {
            // The host must wait out the drain: grace period, then a short abort phase.
            o.ShutdownTimeout = settings.Server.Limits.ShutdownGracePeriod + TimeSpan.FromSeconds(15);
        });

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);

        // First of the hosted services: it starts first (a busy port stops start-up before the queue or delivery
        // run) and stops last (probes and metrics see the whole drain).
        if (settings.Admin.Enabled)
        {
            builder.Services.AddSingleton(sp => new AdminServer(settings.Admin, AdminContextOf(sp), sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<AdminServer>());
        }

        // Each library counts on its own meter from the host's factory; the admin API exports them all.
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(sp => new ServerMetrics(sp.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton(sp => new PolicyMetrics(sp.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton(sp => new BounceMetrics(sp.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton(sp => new QueueMetrics(
            sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<FileQueueStore>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new DeliveryMetrics(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<IDestinationState>()));
        builder.Services.AddSingleton(settings.Server);
        builder.Services.AddSingleton(new ServerStatus(settings.Maintenance));
        builder.Services.AddSingleton<IMxResolver>(sp => new DnsMxResolver(settings.Dns, sp.GetRequiredService<TimeProvider>()));

        // Rate counters, greylisting and destination state: in this instance, or shared through Redis (Cluster:Redis).
        builder.Services.AddPolicyAndDestinationStores(settings);
        builder.Services.AddSingleton(sp => ReceivingPolicy.Create(
            settings.Policy,
            settings.Server.Hostname,
            settings.DataDirectory,
            sp.GetRequiredService<IMxResolver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            greylist: sp.GetService<IGreylistStore>(),
            counter: sp.GetService<IRateCounter>(),
            metrics: sp.GetRequiredService<PolicyMetrics>()));
        builder.Services.AddSingleton(new QueueStoreOptions(settings.QueueDirectory));
        builder.Services.AddSingleton<FileQueueStore>();
        builder.Services.AddSingleton<IQueueStore>(sp => sp.GetRequiredService<FileQueueStore>());
        builder.Services.AddHostedService<QueueRecoveryService>();
        builder.Services.AddSingleton(new LocalDeliveryOptions(settings.DataDirectory, [.. settings.Policy.LocalDomains], settings.Server.Hostname));
        builder.Services.AddHostedService<LocalDeliveryService>();

        // Outbound delivery: every recipient outside the local domains, by MX (or the smart host).
        builder.Services.AddSingleton(settings.Delivery);
        builder.Services.AddSingleton(settings.Dns);
        builder.Services.AddSingleton<IDestinationSnapshot>(sp => new DestinationSnapshotView(sp.GetRequiredService<IDestinationState>()));
        builder.Services.AddHostedService<OutboundDeliveryService>();
        builder.Services.AddSingleton<IEnumerable<IConnectionGate>>([]);
        builder.Services.AddSingleton(sp => TlsSetup.Create(settings, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Herald.Tls")));
        builder.Services.AddSingleton<ICredentialVerifier>(new FileCredentialStore(new UserFile(settings.UsersFile)));
        builder.Services.AddSingleton(sp => new SmtpServer(
            settings.Server,
            sp.GetRequiredService<ReceivingPolicy>(),
            sp.GetRequiredService<IQueueStore>(),
            sp.GetRequiredService<ServerStatus>(),
            sp.GetRequiredService<IEnumerable<IConnectionGate>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TlsContext>(),
            sp.GetRequiredService<ICredentialVerifier>(),
            sp.GetRequiredService<ServerMetrics>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SmtpServer>());
        builder.Services.AddSingleton(sp => new ServerControl(
            sp.GetRequiredService<ServerStatus>(),
            sp.GetRequiredService<SmtpServer>(),
            sp.GetRequiredService<IHostApplicationLifetime>().StopApplication));

        // Bounces: the delivery engine reports through IDeliveryReporter, which queues DSNs from <>.
        builder.Services.AddSingleton(settings.Bounces);
        builder.Services.AddSingleton<DsnBuilder>();
        builder.Services.AddSingleton<IDeliveryReporter, QueueingDeliveryReporter>();

        // `herald queue` on a running server, destinations from the outbound engine's state.
        builder.Services.AddSingleton(sp => new QueueOperations(
            sp.GetRequiredService<IQueueStore>(),
            sp.GetRequiredService<IDeliveryReporter>(),
            sp.GetService<IDestinationSnapshot>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<FileQueueStore>().Announce));
        builder.Services.AddSingleton<QueueControlHandler>();
        builder.Services.AddHostedService<ControlChannelService>();
        IHost host = builder.Build();

        // The queue gauges observe the queue's folders; made now, they exist for the whole run, exported or not.
        host.Services.GetRequiredService<QueueMetrics>();
        return host;
    }

    private static AdminContext AdminContextOf(IServiceProvider services) => new(
        services.GetRequiredService<SmtpServer>(),
        services.GetRequiredService<ServerOptions>(),
        services.GetRequiredService<ServerControl>(),
        services.GetRequiredService<QueueOperations>(),
        services.GetRequiredService<FileQueueStore>(),
        services.GetRequiredService<IHostApplicationLifetime>(),
        services.GetRequiredService<TimeProvider>(),
        HeraldVersion.Current);
}
