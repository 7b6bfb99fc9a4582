// /metrics on the real host: the counters move with real SMTP sessions and deliveries, in Prometheus's own format.
using System.Net;
using Herald.Protocol.Replies;
using Herald.TestSupport.Metrics;
using Herald.TestSupport.Smtp;

namespace Herald.Admin.Tests.Metrics;

public sealed class PrometheusExportTests
{
    [Fact]
    public async Task MaintenanceRefusal_CountsOneConnectionRefusedWith421_4_3_2_AndReasonMaintenance()
    {
        await using AdminHost host = await AdminHost.StartAsync();
        PrometheusText before = await host.MetricsAsync();
        host.Server.Status.SetMaintenance(true);

        (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(host.Smtp);
        await using (client)
        {
            ReplyAssert.Is(greeting, 421, "4.3.2");
        }

        PrometheusText after = await host.MetricsAsync();
        (string, string)[] maintenance = [("code", "421"), ("enhanced", "4.3.2"), ("reason", "maintenance"), ("listener", "smtp")];
        Assert.Equal(1, after.Value("herald_smtp_connections_refused_total", maintenance) - before.Value("herald_smtp_connections_refused_total", maintenance));
        Assert.Equal(0, after.Value("herald_smtp_connections_refused_total", ("code", "521")));
        Assert.Equal(
            before.Value("herald_smtp_connections_accepted_total"), after.Value("herald_smtp_connections_accepted_total"));
        Assert.Equal(1, after.Value("herald_smtp_replies_total", ("code", "421"), ("enhanced", "4.3.2")));
    }

    [Fact]
    public async Task AcceptedLocalMessage_CountsTheMessage_ItsOctets_AndItsLocalDelivery()
    {
        await using AdminHost host = await AdminHost.StartAsync();

        await host.SendAsync("alice@example.org", "bob@localhost");

        PrometheusText metrics = await host.MetricsAsync();
        Assert.Equal(1, metrics.Value("herald_smtp_connections_accepted_total", ("listener", "smtp")));
        Assert.Equal(1, metrics.Value("herald_smtp_accepted_messages_total", ("listener", "smtp")));
        Assert.Equal(1, metrics.Value("herald_smtp_accepted_recipients_total"));
        Assert.True(metrics.Value("herald_smtp_accepted_bytes_total") > 0);
        Assert.Equal(1, metrics.Value("herald_smtp_replies_total", ("code", "250"), ("enhanced", "2.1.5")));

        // Delivery runs on its own: look again a bounded number of times until the Maildir write is counted.
        for (int i = 0; i < 100 && metrics.Value("herald_delivery_recipients_total", ("transport", "local"), ("outcome", "sent")) == 0; i++)
        {
            await Task.Delay(100);
            metrics = await host.MetricsAsync();
        }

        Assert.Equal(1, metrics.Value("herald_delivery_recipients_total", ("transport", "local"), ("outcome", "sent")));
    }

    [Fact]
    public async Task Scrape_IsThePrometheusTextFormat_WithEveryHeraldFamilyDeclared()
    {
        await using AdminHost host = await AdminHost.StartAsync();
        await host.SendAsync("alice@example.org", "carol@" + AdminHost.RemoteDomain);

        using HttpResponseMessage response = await host.Http.GetAsync("metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        PrometheusText metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("counter", metrics.Types["herald_smtp_connections_accepted_total"]);
        Assert.Equal("counter", metrics.Types["herald_smtp_accepted_bytes_total"]);
        Assert.Equal("gauge", metrics.Types["herald_smtp_sessions_open"]);
        Assert.Equal("gauge", metrics.Types["herald_queue_messages"]);
        Assert.Equal("gauge", metrics.Types["herald_queue_oldest_message_age_seconds"]);
        Assert.Equal("gauge", metrics.Types["herald_delivery_destinations"]);
        Assert.Equal(1, metrics.Value("herald_queue_messages", ("state", "active")));
        Assert.Equal(0, metrics.Value("herald_queue_messages", ("state", "held")));
        Assert.All(metrics.Samples.Where(s => s.Name.StartsWith("herald_", StringComparison.Ordinal)), s =>
            Assert.True(s.Name.EndsWith("_total", StringComparison.Ordinal) == (metrics.Types.GetValueOrDefault(s.Name) == "counter"), s.Name));
    }
}
