// Runs a real SmtpServer on a loopback port with a real queue store in a temporary directory.
using System.Net;
using Herald.Policy;
using Herald.Dns;
using Herald.Policy.Authentication;
using Herald.Policy.Resources;
using Herald.Server.Tls;
using Herald.TestSupport.Dns;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.Server.Admission;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Server.Tests;

internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(SmtpServer server, FileQueueStore queue, string dataDirectory, IPEndPoint endpoint, ReceivingPolicy policy, LoopbackDnsServer dns)
    {
        Policy = policy;
        Dns = dns;
        Server = server;
        Queue = queue;
        DataDirectory = dataDirectory;
        Endpoint = endpoint;
    }

    private bool _ownsDirectory;

    public SmtpServer Server { get; }

    public ReceivingPolicy Policy { get; }

    /// <summary>The DNS server this server's checks query; tests add the zones they need.</summary>
    public LoopbackDnsServer Dns { get; }

    public FileQueueStore Queue { get; }

    public string DataDirectory { get; }

    public IPEndPoint Endpoint { get; }

    public const string Hostname = "mx.herald.test";

    /// <summary>Starts a server configured by <c>Key=Value</c> settings, as in a config file's Herald section.</summary>
    public static async Task<TestServer> StartAsync(
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        TimeProvider? time = null,
        IEnumerable<IConnectionGate>? gates = null,
        IResourceProbe? probe = null,
        string? dataDirectory = null,
        bool tls = false,
        IReadOnlyDictionary<string, string>? users = null,
        ServerMetrics? metrics = null)
    {
        LoopbackDnsServer dns = LoopbackDnsServer.Start();
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Hostname"] = Hostname,
                ["Listeners:0:Name"] = "test",
                ["Listeners:0:Endpoint"] = "127.0.0.1:0",
            })
            .AddInMemoryCollection(settings ?? [])
            .Build();
        var options = new ServerOptions();
        configuration.Bind(options);
        var policy = new PolicyOptions();
        configuration.Bind(policy);
        if (policy.LocalDomains.Count == 0)
        {
            policy.LocalDomains.Add("localhost");
        }

        Assert.Empty(options.Validate());
        time ??= TimeProvider.System;
        Assert.Empty(policy.Validate());
        bool ownsDirectory = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("herald-server-test-").FullName;
        FileQueueStore queue = await TestQueues.OpenAsync(Path.Combine(dataDirectory, "queue"), time);
        var dnsOptions = new DnsOptions();
        dnsOptions.Servers.Add(dns.ServerAddress);
        var resolver = new DnsMxResolver(dnsOptions, time);
        var receiving = ReceivingPolicy.Create(policy, Hostname, dataDirectory, resolver, time, NullLoggerFactory.Instance, probe ?? new PlentyOfResources());
        TlsContext? tlsContext = tls ? SelfSignedCertificate.LoadOrCreate(Path.Combine(dataDirectory, "tls"), Hostname, out _) : null;
        var userFile = new UserFile(Path.Combine(dataDirectory, "users"));
        if (users is not null)
        {
            // A low iteration count keeps the tests quick; production hashes use PasswordHash.DefaultIterations.
            userFile.Write(users.ToDictionary(u => u.Key, u => PasswordHash.Create(u.Value, iterations: 1000)));
        }

        var server = new SmtpServer(
            options, receiving, queue, new ServerStatus(), gates ?? [], time, NullLoggerFactory.Instance, tlsContext, new FileCredentialStore(userFile), metrics);
        await server.StartAsync(CancellationToken.None);
        return new TestServer(server, queue, dataDirectory, server.Endpoints["test"], receiving, dns) { _ownsDirectory = ownsDirectory };
    }

    public static IEnumerable<KeyValuePair<string, string?>> Settings(params (string Key, string Value)[] pairs) =>
        pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value));

    /// <summary>Committed messages in the queue.</summary>
    public async Task<IReadOnlyList<QueuedMessage>> QueuedAsync()
    {
        var messages = new List<QueuedMessage>();
        foreach (QueueId id in await Queue.ListAsync(CancellationToken.None))
        {
            if (await Queue.ReadAsync(id, CancellationToken.None) is { } message)
            {
                messages.Add(message);
            }
        }

        return messages;
    }

    public async Task<string> ContentAsync(QueueId id)
    {
        using var reader = new StreamReader(Queue.OpenContent(id));
        return await reader.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Server.StopAsync(cts.Token);
        await Server.DisposeAsync();
        Queue.Dispose();
        Policy.Dispose();
        await Dns.DisposeAsync();
        try
        {
            if (_ownsDirectory)
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A machine with room to spare, so tests do not depend on the disk they run on.</summary>
    private sealed class PlentyOfResources : IResourceProbe
    {
        public long? FreeDiskBytes() => long.MaxValue / 2;

        public long MemoryBytes() => 0;
    }
}
