// A real redis-server for tests: its own free port on loopback, nothing written to disk, stopped by its process id.
using System.Net;
using Herald.TestSupport.Files;
using Herald.TestSupport.Processes;

namespace Herald.TestSupport.Redis;

/// <summary>
/// One <c>redis-server</c> child process, as Debian's <c>redis-server</c> package installs it. It listens on a
/// free loopback port with persistence off (<c>--save '' --appendonly no</c>) and a temporary working
/// directory, so tests never touch a system Redis. <see cref="StopAsync"/> kills it mid-test (Redis down);
/// <see cref="StartAgainAsync"/> brings an empty one back on the same port (Redis back).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string ReadyLine = "Ready to accept connections";

    private readonly TempDirectory _directory = new("herald-redis-tests");
    private BackgroundProcess? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public IPEndPoint Endpoint => new(IPAddress.Loopback, Port);

    /// <summary>The StackExchange.Redis configuration string for <c>Cluster:Redis</c>.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Whether the server process is running now.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What the server printed, for a failing test's message.</summary>
    public string Output => _process?.Output ?? string.Empty;

    /// <summary>The path of redis-server, or null when it is not installed.</summary>
    public static string? Executable { get; } =
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    public static async Task<RedisServer> StartAsync()
    {
        if (Executable is null)
        {
            throw new InvalidOperationException("redis-server is not installed (Debian: apt-get install redis-server); the cluster tests run a real one.");
        }

        // A port free a moment ago may be taken by the time the server binds it: try another.
        for (int attempt = 1; ; attempt++)
        {
            var server = new RedisServer(BackgroundProcess.FreePort(IPAddress.Loopback));
            try
            {
                await server.LaunchAsync();
                return server;
            }
            catch (Exception e) when (attempt < 5 && e is InvalidOperationException or TimeoutException)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Kills the server (by its process id) and waits until it is gone: clients now meet a refused connection.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Starts an empty server on the same port again.</summary>
    public Task StartAgainAsync() => IsRunning ? Task.CompletedTask : LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Dispose();
    }

    private async Task LaunchAsync()
    {
        _process = BackgroundProcess.Start(Executable!, [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", string.Empty,
            "--appendonly", "no",
            "--dir", _directory.Path,
        ]);
        await _process.WaitForOutputAsync(ReadyLine, TimeSpan.FromSeconds(30));
        await _process.WaitForListenerAsync(Endpoint, TimeSpan.FromSeconds(30));
    }
}
