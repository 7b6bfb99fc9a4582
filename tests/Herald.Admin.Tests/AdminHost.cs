// The host `herald serve` builds (HeraldHost), from in-memory settings, with the admin API and SMTP on free loopback ports.
using System.Net;
using System.Net.Sockets;
using Herald.Cli.Configuration;
using Herald.Cli.Hosting;
using Herald.Protocol.Replies;
using Herald.Server;
using Herald.TestSupport.Dns;
using Herald.TestSupport.Files;
using Herald.TestSupport.Metrics;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Admin.Tests;

/// <summary>
/// The admin API tested where it runs: inside the real host of <c>herald serve</c>, with its real SMTP server,
/// queue, delivery engines and metrics, reached over real sockets with <see cref="HttpClient"/>.
/// Mail to <c>remote.example</c> is relayed (127.0.0.0/8 is trusted) to an MX that refuses connections, so it
/// stays in the queue, deferred.
/// </summary>
internal sealed class AdminHost : IAsyncDisposable
{
    public const string Hostname = "mx.herald.test";
    public const string RemoteDomain = "remote.example";

    private readonly TempDirectory _root;
    private bool _started;

    private AdminHost(TempDirectory root, LoopbackDnsServer dns, IHost host)
    {
        _root = root;
        Dns = dns;
        Host = host;
    }

    public IHost Host { get; }

    public LoopbackDnsServer Dns { get; }

    public SmtpServer Server => Host.Services.GetRequiredService<SmtpServer>();

    public AdminServer Admin => Host.Services.GetRequiredService<AdminServer>();

    public string DataDirectory => Path.Combine(_root.Path, "herald-data");

    public IPEndPoint Smtp => Server.Endpoints["smtp"];

    /// <summary>A client for the admin API; created once the API is bound.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Builds and starts the host; <paramref name="settings"/> are keys of the Herald section, e.g. <c>Admin:Token</c>.</summary>
    public static async Task<AdminHost> StartAsync(params (string Key, string Value)[] settings)
    {
        AdminHost host = Create(settings);
        await host.BindAsync();
        await host.StartHostAsync();
        return host;
    }

    /// <summary>Builds the host without starting anything.</summary>
    public static AdminHost Create(params (string Key, string Value)[] settings)
    {
        var root = new TempDirectory();
        LoopbackDnsServer dns = LoopbackDnsServer.Start();
        dns.AddMx(RemoteDomain, 10, "mx." + RemoteDomain).AddA("mx." + RemoteDomain, "127.0.0.1");
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Herald:Hostname"] = Hostname,
            ["Herald:DataDirectory"] = Path.Combine(root.Path, "herald-data"),
            ["Herald:LocalDomains:0"] = "localhost",
            ["Herald:LocalDomains:1"] = "herald.test",
            ["Herald:TrustedNetworks:0"] = "127.0.0.0/8",
            ["Herald:Listeners:0:Name"] = "smtp",
            ["Herald:Listeners:0:Endpoint"] = "127.0.0.1:0",
            ["Herald:Limits:ShutdownGracePeriod"] = "00:00:05",
            ["Herald:Dns:Servers:0"] = dns.ServerAddress,
            ["Herald:Delivery:Port"] = ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Herald:Admin:Endpoint"] = "127.0.0.1:0",
        };
        foreach ((string key, string value) in settings)
        {
            values["Herald:" + key] = value;
        }

        HeraldSettings loaded = HeraldSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        return new AdminHost(root, dns, HeraldHost.Build(loaded));
    }

    /// <summary>What <c>herald serve</c> does before starting the host: bind SMTP, then the admin endpoint.</summary>
    public async Task BindAsync()
    {
        Server.Bind();
        await Admin.BindAsync(CancellationToken.None);
        Http = new HttpClient { BaseAddress = new Uri($"http://{Admin.LocalEndPoint}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task StartHostAsync()
    {
        await Host.StartAsync();
        _started = true;
    }

    /// <summary>Stops the host as SIGTERM would: drain, then every service in reverse order (the admin API last).</summary>
    public async Task StopAsync()
    {
        _started = false;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(stop.Token);
    }

    /// <summary>Sends one message over SMTP and returns its queue id (from the 250 reply).</summary>
    public async Task<string> SendAsync(string from, string to)
    {
        (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(Smtp);
        await using (client)
        {
            ReplyAssert.Is(greeting, 220);
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            ReplyAssert.Is(await client.CommandAsync($"MAIL FROM:<{from}>"), 250);
            ReplyAssert.Is(await client.CommandAsync($"RCPT TO:<{to}>"), 250);
            ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
            SmtpReply queued = await client.CommandAsync("Subject: admin API test\r\n\r\nHello.\r\n.");
            ReplyAssert.Is(queued, 250, "2.0.0");
            ReplyAssert.Is(await client.CommandAsync("QUIT"), 221);
            return queued.Text.Split(' ')[^1];
        }
    }

    public async Task<PrometheusText> MetricsAsync() => PrometheusText.Parse(await Http.GetStringAsync("metrics"));

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_started)
        {
            await StopAsync();
        }

        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }

        await Dns.DisposeAsync();
        _root.Dispose();
    }

    /// <summary>A loopback port nobody listens on: the MX of remote.example refuses every connection.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
