// Runs a real server program (smtp-sink, aiosmtpd) for the length of a test and keeps what it prints.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.TestSupport.Processes;

/// <summary>A program started for a test and killed (with its children) when the test ends.</summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BackgroundProcess(Process process) => _process = process;

    /// <summary>Standard output and standard error so far, interleaved as they came.</summary>
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

    public bool HasExited => _process.HasExited;

    public static BackgroundProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var running = new BackgroundProcess(process);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Cannot start {file}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Waits until something accepts TCP connections on <paramref name="endpoint"/>; fails when the program exits first.</summary>
    public async Task WaitForListenerAsync(IPEndPoint endpoint, TimeSpan? timeout = null)
    {
        DateTime giveUp = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < giveUp)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode} before listening:\n{Output}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(endpoint);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"{_process.StartInfo.FileName} did not listen on {endpoint}:\n{Output}");
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; a guard against a hang, not a timing.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        DateTime giveUp = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > giveUp || _process.HasExited)
            {
                throw new TimeoutException($"'{text}' not printed by {_process.StartInfo.FileName}:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
        }

        _process.Dispose();
    }

    /// <summary>A port that was free on <paramref name="address"/> a moment ago, for a program that takes its port on the command line.</summary>
    public static int FreePort(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
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
