// The probes: alive while starting and draining, ready only when the listeners accept, maintenance ready but refusing.
using System.Net;
using System.Text.Json;
using Herald.TestSupport.Smtp;

namespace Herald.Admin.Tests.Health;

public sealed class HealthEndpointsTests
{
    [Fact]
    public async Task BeforeTheHostStarts_Healthz_IsAlive_Readyz_Is503Starting_AndTheQueueIs503()
    {
        await using AdminHost host = AdminHost.Create();
        await host.BindAsync();

        using HttpResponseMessage alive = await host.Http.GetAsync("healthz");
        using HttpResponseMessage ready = await host.Http.GetAsync("readyz");
        using HttpResponseMessage queue = await host.Http.GetAsync("api/queue");

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using (JsonDocument body = await Json(ready))
        {
            Assert.Equal("starting", body.RootElement.GetProperty("status").GetString());
            Assert.False(body.RootElement.GetProperty("ready").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, queue.StatusCode);
        Assert.Equal("application/problem+json", queue.Content.Headers.ContentType!.MediaType);
        Assert.Equal("1", queue.Headers.RetryAfter!.ToString());

        await host.StartHostAsync();
        using HttpResponseMessage started = await host.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        using JsonDocument ok = await Json(started);
        Assert.Equal("ready", ok.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Maintenance_IsReadyButRefusingMail_AndTheBodySaysSoWithThe421()
    {
        await using AdminHost host = await AdminHost.StartAsync();
        host.Server.Status.SetMaintenance(true, "moving to new disks");

        using HttpResponseMessage response = await host.Http.GetAsync("readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = await Json(response);
        Assert.Equal("maintenance", body.RootElement.GetProperty("status").GetString());
        Assert.True(body.RootElement.GetProperty("ready").GetBoolean());
        Assert.StartsWith("ready but refusing mail", body.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            $"421 4.3.2 {AdminHost.Hostname} Service not available - maintenance: moving to new disks",
            body.RootElement.GetProperty("reply").GetString());
    }

    [Fact]
    public async Task WhileDraining_Readyz_Is503Draining_AndHealthzStaysAlive()
    {
        await using AdminHost host = await AdminHost.StartAsync();

        // A message in flight holds the drain open for the grace period; the admin API stops last, so it still answers.
        (SmtpTestClient client, _) = await SmtpTestClient.ConnectAndGreetAsync(host.Smtp);
        await using (client)
        {
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250);
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250);
            ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
            Task stopping = host.StopAsync();

            HttpResponseMessage? ready = null;
            for (int i = 0; i < 100; i++)
            {
                ready?.Dispose();
                ready = await host.Http.GetAsync("readyz");
                if (ready.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    break;
                }

                await Task.Delay(50);
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready!.StatusCode);
            using (JsonDocument body = await Json(ready))
            {
                Assert.Equal("draining", body.RootElement.GetProperty("status").GetString());
                Assert.Equal($"421 4.3.2 {AdminHost.Hostname} Service shutting down, closing transmission channel", body.RootElement.GetProperty("reply").GetString());
            }

            ready.Dispose();
            using HttpResponseMessage alive = await host.Http.GetAsync("healthz");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

            // The message finishes within the grace period, is acknowledged, then the session is told 421.
            ReplyAssert.Is(await client.CommandAsync("Subject: last one\r\n\r\nHello.\r\n."), 250, "2.0.0");
            await stopping;
        }
    }

    private static async Task<JsonDocument> Json(HttpResponseMessage response) =>
        await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
}
