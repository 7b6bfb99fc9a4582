using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Integration.Tests.Admission;

/// <summary>
/// A burst of connections on a freshly started server: the kernel must hold them until Herald answers,
/// so every one gets a greeting or <c>421 4.3.2</c>, never silence.
/// </summary>
public sealed class ConnectionBurstTests
{
    [Fact]
    public async Task TheListenBacklog_IsTheKernelMaximum_ByDefault()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        int somaxconn = int.Parse(File.ReadAllText("/proc/sys/net/core/somaxconn").Trim(), CultureInfo.InvariantCulture);
        Assert.Equal(somaxconn, await ListenBacklogAsync(herald.Port));
    }

    [Fact]
    public async Task TheListenBacklog_CanBeSet()
    {
        await using HeraldProcess herald = HeraldProcess.Create(s =>
            s["Limits"] = new Dictionary<string, object> { ["ShutdownGracePeriod"] = "00:00:05", ["ListenBacklog"] = 777 });
        await herald.StartAsync();

        Assert.Equal(777, await ListenBacklogAsync(herald.Port));
    }

    [Fact]
    public async Task AThousandConnectionsAtOnce_AllGet220Or421_4_3_2()
    {
        const int Burst = 1000;
        await using HeraldProcess herald = HeraldProcess.Create(s => s["Limits"] = new Dictionary<string, object>
        {
            ["ShutdownGracePeriod"] = "00:00:05", ["MaxConnections"] = 50, ["MaxConnectionsPerIp"] = 0,
        });
        await herald.StartAsync();

        string[] firstLines = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => FirstLineAsync(herald.Endpoint)));

        int greeted = firstLines.Count(l => l.StartsWith("220 ", StringComparison.Ordinal));
        int refused = firstLines.Count(l => l.StartsWith("421 4.3.2 ", StringComparison.Ordinal));
        string[] other = firstLines.Where(l => !l.StartsWith("220 ", StringComparison.Ordinal) && !l.StartsWith("421 4.3.2 ", StringComparison.Ordinal)).Distinct().ToArray();
        Assert.True(greeted + refused == Burst, $"{greeted} greeted, {refused} refused, others: {string.Join(" | ", other)}");
        Assert.True(greeted >= 50, $"only {greeted} greeted");
    }

    /// <summary>The first line the server sends, or what went wrong; every socket is held open until then.</summary>
    private static async Task<string> FirstLineAsync(IPEndPoint endpoint)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            var buffer = new byte[512];
            int length = 0;
            while (length < buffer.Length)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    return "closed without a reply";
                }

                length += read;
                if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0)
                {
                    return Encoding.ASCII.GetString(buffer, 0, length);
                }
            }

            return "no line end";
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    /// <summary>The backlog of the listening socket on <paramref name="port"/>: ss(8) shows it as Send-Q.</summary>
    private static async Task<int> ListenBacklogAsync(int port)
    {
        var start = new ProcessStartInfo("ss", ["-H", "-l", "-t", "-n", $"sport = :{port}"]) { RedirectStandardOutput = true };
        using Process ss = Process.Start(start)!;
        string output = await ss.StandardOutput.ReadToEndAsync();
        await ss.WaitForExitAsync();
        string[] fields = output.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);

        // State Recv-Q Send-Q Local Peer: LISTEN 0 4096 127.0.0.1:2525 0.0.0.0:*
        Assert.True(fields.Length >= 3 && fields[0] == "LISTEN", $"ss printed: {output}");
        return int.Parse(fields[2], CultureInfo.InvariantCulture);
    }
}
