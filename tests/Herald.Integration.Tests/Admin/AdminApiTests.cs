// The admin API of the real `herald serve` process: metrics and status that follow real mail, and its start-up errors.
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Herald.TestSupport.Metrics;
using Herald.TestSupport.Processes;
using Herald.TestSupport.Smtp;

namespace Herald.Integration.Tests.Admin;

public sealed class AdminApiTests
{
    [Fact]
    public async Task RunningServer_ServesStatusAndMetrics_ThatFollowRealMailAndA421()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();
        using HttpClient admin = herald.AdminClient();

        CommandResult swaks = await ExternalCommand.RunAsync(
            "swaks", ["--server", $"127.0.0.1:{herald.Port}", "--from", "alice@example.org", "--to", "bob@herald.test", "--silent", "2"]);
        Assert.True(swaks.ExitCode == 0, swaks.ToString());
        await herald.WaitForDeliveryAsync("herald.test", "bob");
        Assert.Equal(0, (await herald.RunCommandAsync("maintenance", "on", "--config", herald.ConfigPath)).ExitCode);
        await using (SmtpTestClient refused = await SmtpTestClient.ConnectAsync(herald.Endpoint))
        {
            ReplyAssert.Is(await refused.ReadReplyAsync(), 421, "4.3.2");
        }

        using (JsonDocument status = JsonDocument.Parse(await admin.GetStringAsync("api/status")))
        {
            Assert.Equal("mx.herald.test", status.RootElement.GetProperty("hostname").GetString());
            Assert.Equal("maintenance", status.RootElement.GetProperty("state").GetString());
            Assert.Equal($"127.0.0.1:{herald.Port}", Assert.Single(status.RootElement.GetProperty("listeners").EnumerateArray()).GetProperty("endpoint").GetString());
        }

        // Delivery is counted once it has been recorded, a moment after the Maildir file appears: look a bounded number of times.
        PrometheusText metrics = PrometheusText.Parse(await admin.GetStringAsync("metrics"));
        for (int i = 0; i < 50 && metrics.Value("herald_delivery_recipients_total", ("transport", "local"), ("outcome", "sent")) == 0; i++)
        {
            await Task.Delay(100);
            metrics = PrometheusText.Parse(await admin.GetStringAsync("metrics"));
        }

        Assert.Equal(1, metrics.Value("herald_smtp_accepted_messages_total", ("listener", "smtp")));
        Assert.Equal(1, metrics.Value("herald_delivery_recipients_total", ("transport", "local"), ("outcome", "sent")));
        Assert.Equal(1, metrics.Value("herald_smtp_connections_refused_total", ("code", "421"), ("enhanced", "4.3.2"), ("reason", "maintenance")));
        Assert.Equal(1, metrics.Value("target_info", ("service_name", "herald")));
        using HttpResponseMessage ready = await admin.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task AdminPortInUse_IsOneClearLine_AndExit71()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        await using HeraldProcess herald = HeraldProcess.Create(s => s["Admin"] = new Dictionary<string, object> { ["Endpoint"] = $"127.0.0.1:{port}" });

        Assert.Equal(71, await herald.RunToExitAsync("serve", "--config", herald.ConfigPath));
        Assert.Contains($"herald: Admin endpoint cannot listen on 127.0.0.1:{port}: the address is already in use", herald.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", herald.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", herald.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OffLoopbackWithoutToken_RefusesToStart_WithExit78()
    {
        await using HeraldProcess herald = HeraldProcess.Create(s => s["Admin"] = new Dictionary<string, object> { ["Endpoint"] = "0.0.0.0:9025" });

        Assert.Equal(78, await herald.RunToExitAsync("serve", "--config", herald.ConfigPath));
        Assert.Contains("Herald:Admin:Token", herald.Output, StringComparison.Ordinal);
    }
}
