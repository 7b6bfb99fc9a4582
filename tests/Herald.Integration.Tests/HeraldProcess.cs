// Runs the real `herald` process, as an administrator would, against a data directory of its own.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Herald.TestSupport.Dns;

namespace Herald.Integration.Tests;

/// <summary>One <c>herald serve</c> process on a free loopback port.</summary>
internal sealed class HeraldProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    private HeraldProcess(string root, Dictionary<string, object> settings, LoopbackDnsServer dns)
    {
        Dns = dns;
        Root = root;
        Settings = settings;
    }

    public string Root { get; }

    /// <summary>The only DNS server the process may ask: tests never reach the machine's resolver.</summary>
    public LoopbackDnsServer Dns { get; }

    /// <summary>The port of the first configured listener.</summary>
    public int Port => int.Parse(((string)((Dictionary<string, object>[])Settings["Listeners"])[0]["Endpoint"]).Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);

    public Dictionary<string, object> Settings { get; }

    public string DataDirectory => Path.Combine(Root, "herald-data");

    public string ConfigPath => Path.Combine(Root, "herald.json");

    public IPEndPoint Endpoint => new(IPAddress.Loopback, Port);

    /// <summary>The admin API's port, from <c>Admin:Endpoint</c>.</summary>
    public int AdminPort => int.Parse(((string)((Dictionary<string, object>)Settings["Admin"])["Endpoint"]).Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A client for the admin API of this process.</summary>
    public HttpClient AdminClient() => new() { BaseAddress = new Uri($"http://127.0.0.1:{AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int ExitCode => _process!.ExitCode;

    /// <summary>Prepares a data directory and a config file; <see cref="StartAsync"/> runs the server.</summary>
    public static HeraldProcess Create(Action<Dictionary<string, object>>? configure = null)
    {
        string root = Directory.CreateTempSubdirectory("herald-it-").FullName;
        int port = NextPort();
        LoopbackDnsServer dns = LoopbackDnsServer.Start();
        var settings = new Dictionary<string, object>
        {
            ["Hostname"] = "mx.herald.test",
            ["DataDirectory"] = Path.Combine(root, "herald-data"),
            ["LocalDomains"] = new[] { "localhost", "herald.test" },
            ["Listeners"] = new[] { new Dictionary<string, object> { ["Name"] = "smtp", ["Endpoint"] = $"127.0.0.1:{port}" } },
            ["Limits"] = new Dictionary<string, object> { ["ShutdownGracePeriod"] = "00:00:05" },
            ["Dns"] = new Dictionary<string, object> { ["Servers"] = new[] { dns.ServerAddress } },

            // A port of its own: tests run side by side, and the default 9025 can be taken by only one of them.
            ["Admin"] = new Dictionary<string, object> { ["Endpoint"] = $"127.0.0.1:{NextPort()}" },
        };
        configure?.Invoke(settings);
        var process = new HeraldProcess(root, settings, dns);
        process.WriteConfig();
        return process;
    }

    public void WriteConfig() =>
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(new Dictionary<string, object> { ["Herald"] = Settings }));

    /// <summary>Starts <c>herald serve --config</c> and waits until it answers with a 220.</summary>
    public async Task StartAsync()
    {
        _process = Launch(["serve", "--config", ConfigPath]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"herald exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                byte[] buffer = new byte[512];
                int read = await client.GetStream().ReadAsync(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("220", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                // Not listening yet, or the connection was reset while the server was still starting: try again.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("herald did not start:\n" + Output);
    }

    /// <summary>Runs a herald command to its end (e.g. with a bad configuration) and returns its exit code.</summary>
    public async Task<int> RunToExitAsync(params string[] args)
    {
        _process = Launch(args);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Runs another herald command (maintenance, stop, ...) next to the running server.</summary>
    public Task<Herald.TestSupport.Processes.CommandResult> RunCommandAsync(params string[] args) =>
        Herald.TestSupport.Processes.ExternalCommand.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "herald.dll"), .. args]);

    /// <summary>Runs a herald command with text on its standard input (e.g. a password for --stdin).</summary>
    public Task<Herald.TestSupport.Processes.CommandResult> RunCommandWithInputAsync(string input, params string[] args) =>
        Herald.TestSupport.Processes.ExternalCommand.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "herald.dll"), .. args], input);

    /// <summary>A free loopback port for a listener of a test's own configuration.</summary>
    public static int NextPort() => Herald.TestSupport.Processes.BackgroundProcess.FreePort(IPAddress.Loopback);

    /// <summary>Waits for the server to exit on its own (after `herald stop`).</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process!.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>kill -9: no chance to flush or clean up.</summary>
    public void Kill()
    {
        _process!.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as a service manager stops a service; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Files delivered to one Maildir's new/ folder.</summary>
    public string[] Delivered(string domain, string localPart)
    {
        string folder = Path.Combine(DataDirectory, "mail", domain, localPart, "new");
        return Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
    }

    /// <summary>Waits until <paramref name="count"/> messages are in the Maildir, or fails.</summary>
    public async Task<string[]> WaitForDeliveryAsync(string domain, string localPart, int count = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            string[] files = Delivered(domain, localPart);
            if (files.Length >= count)
            {
                return files;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{count} message(s) for {localPart}@{domain} not delivered; have {Delivered(domain, localPart).Length}.\n{Output}");
    }

    /// <summary>Waits until the queue holds no message (every recipient final, reports queued and sent), or fails.</summary>
    public async Task WaitForEmptyQueueAsync()
    {
        string active = Path.Combine(DataDirectory, "queue", "active");
        DateTime giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Directory.Exists(active) && Directory.EnumerateFiles(active).Any())
        {
            Assert.True(DateTime.UtcNow < giveUp, "The queue did not empty.\n" + Output);
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Kill();
        }

        _process?.Dispose();
        await Dns.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Process Launch(string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Root,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "herald.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
