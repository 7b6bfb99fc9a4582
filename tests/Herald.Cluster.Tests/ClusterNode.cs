// One Herald receiving server of a test cluster: a real SmtpServer on a loopback port, its policy stores in Redis.
using System.Net;
using Herald.Dns;
using Herald.Policy;
using Herald.Queue.Files;
using Herald.Server;
using Herald.TestSupport.Dns;
using Herald.TestSupport.Files;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Cluster.Tests;

/// <summary>
/// What <c>herald serve</c> wires in cluster mode, minus delivery: the server, a queue of its own, and a
/// receiving policy whose rate counter and greylist store are the Redis ones. Several nodes on one Redis
/// and key prefix are one cluster.
/// </summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    public const string Hostname = "mx.herald.test";

    private readonly SmtpServer _server;
    private readonly FileQueueStore _queue;
    private readonly ReceivingPolicy _policy;
    private readonly RedisConnection _connection;
    private readonly LoopbackDnsServer _dns;
    private readonly TempDirectory _directory;

    private ClusterNode(SmtpServer server, FileQueueStore queue, ReceivingPolicy policy, RedisConnection connection, LoopbackDnsServer dns, TempDirectory directory)
    {
        _server = server;
        _queue = queue;
        _policy = policy;
        _connection = connection;
        _dns = dns;
        _directory = directory;
    }

    public IPEndPoint Endpoint => _server.Endpoints["test"];

    /// <param name="configure">Sets the policy under test (rates, greylisting) on the defaults.</param>
    public static async Task<ClusterNode> StartAsync(RedisServer redis, string keyPrefix, TimeProvider time, Action<PolicyOptions> configure)
    {
        var directory = new TempDirectory("herald-cluster-tests");
        LoopbackDnsServer dns = LoopbackDnsServer.Start();
        var options = new ServerOptions { Hostname = Hostname };
        options.Listeners.Add(new ListenerOptions { Name = "test", Endpoint = "127.0.0.1:0" });
        var policyOptions = new PolicyOptions();
        policyOptions.LocalDomains.Add("herald.test");
        configure(policyOptions);

        RedisConnection connection = await RedisConnections.OpenAsync(redis, keyPrefix);
        var dnsOptions = new DnsOptions();
        dnsOptions.Servers.Add(dns.ServerAddress);
        var policy = ReceivingPolicy.Create(
            policyOptions, Hostname, directory.Path, new DnsMxResolver(dnsOptions, time), time, NullLoggerFactory.Instance,
            greylist: new RedisGreylistStore(connection, time), counter: new RedisRateCounter(connection, time));
        FileQueueStore queue = await FileQueueStore.OpenAsync(
            new QueueStoreOptions(Path.Combine(directory.Path, "queue")), time, NullLogger<FileQueueStore>.Instance, CancellationToken.None);
        var server = new SmtpServer(options, policy, queue, new ServerStatus(), [], time, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        return new ClusterNode(server, queue, policy, connection, dns, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(CancellationToken.None);
        await _server.DisposeAsync();
        _policy.Dispose();
        _queue.Dispose();
        await _connection.DisposeAsync();
        await _dns.DisposeAsync();
        _directory.Dispose();
    }
}
