// The server's instruments over real sockets: each connection and message is counted where it is decided.
using System.Text;
using Herald.Protocol.Replies;
using Herald.TestSupport.Metrics;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Herald.Server.Tests;

public sealed class ServerMetricsTests : IDisposable
{
    // The octets counted are the client's, as received; the Received header Herald adds is not theirs.
    private const string Message = "Subject: hi\r\n\r\nHello.\r\n";

    private readonly TestMeterFactory _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public async Task Maintenance_CountsTheConnectionRefused_With421_4_3_2_AndItsReason()
    {
        using MetricCollector<long> refused = Collect("herald.smtp.connections.refused");
        using MetricCollector<long> accepted = Collect("herald.smtp.connections.accepted");
        await using TestServer server = await TestServer.StartAsync(metrics: new ServerMetrics(_meters));
        server.Server.Status.SetMaintenance(true);

        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client)
        {
        }

        CollectedMeasurement<long> refusal = Assert.Single(refused.GetMeasurementSnapshot());
        Assert.Equal(1, refusal.Value);
        Assert.True(refusal.MatchesTags(
            new KeyValuePair<string, object?>("listener", "test"),
            new KeyValuePair<string, object?>("code", "421"),
            new KeyValuePair<string, object?>("enhanced", "4.3.2"),
            new KeyValuePair<string, object?>("reason", "maintenance")));
        Assert.Empty(accepted.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task NoMailListener_CountsItsGreetingAs521_5_3_2_Refused()
    {
        using MetricCollector<long> refused = Collect("herald.smtp.connections.refused");
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("AcceptMail", "false")), metrics: new ServerMetrics(_meters));

        (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (client)
        {
            ReplyAssert.Is(greeting, 521, "5.3.2");
        }

        CollectedMeasurement<long> refusal = Assert.Single(refused.GetMeasurementSnapshot());
        Assert.True(refusal.ContainsTags(
            new KeyValuePair<string, object?>("code", "521"),
            new KeyValuePair<string, object?>("enhanced", "5.3.2"),
            new KeyValuePair<string, object?>("reason", "no-mail")));
    }

    [Fact]
    public async Task AcceptedMessage_CountsTheConnection_TheMessage_ItsOctetsAndRecipients_AndEveryReplyByCode()
    {
        using MetricCollector<long> accepted = Collect("herald.smtp.connections.accepted");
        using MetricCollector<long> messages = Collect("herald.smtp.accepted.messages");
        using MetricCollector<long> bytes = Collect("herald.smtp.accepted.bytes");
        using MetricCollector<long> recipients = Collect("herald.smtp.accepted.recipients");
        using MetricCollector<long> replies = Collect("herald.smtp.replies");
        using MetricCollector<long> refusals = Collect("herald.smtp.refusals");
        await using TestServer server = await TestServer.StartAsync(metrics: new ServerMetrics(_meters));

        (SmtpTestClient client, _) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (client)
        {
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250);
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250);
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<carol@localhost>"), 250);
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<someone@example.com>"), 554, "5.7.1");
            ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
            ReplyAssert.Is(await client.CommandAsync(Message + "."), 250, "2.0.0");
            ReplyAssert.Is(await client.CommandAsync("QUIT"), 221);
        }

        Assert.Equal(1, accepted.LastMeasurement!.Value);
        Assert.Equal(1, Assert.Single(messages.GetMeasurementSnapshot()).Value);
        Assert.Equal(2, Assert.Single(recipients.GetMeasurementSnapshot()).Value);
        Assert.Equal(Message.Length, Assert.Single(bytes.GetMeasurementSnapshot()).Value);
        Assert.Equal(1, Count(replies, "554", "5.7.1"));
        Assert.Equal(1, Count(replies, "354", string.Empty));
        Assert.Equal(1, Count(replies, "221", "2.0.0"));
        CollectedMeasurement<long> relay = Assert.Single(refusals.GetMeasurementSnapshot());
        Assert.True(relay.ContainsTags(new KeyValuePair<string, object?>("reason", "relay"), new KeyValuePair<string, object?>("code", "554")));
    }

    [Fact]
    public async Task OpenSessions_GoUpWhileAClientIsConnected_AndBackDownWhenItLeaves()
    {
        using MetricCollector<long> sessions = Collect("herald.smtp.sessions.open");
        await using TestServer server = await TestServer.StartAsync(metrics: new ServerMetrics(_meters));

        (SmtpTestClient client, _) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (client)
        {
            Assert.Equal(1, sessions.GetMeasurementSnapshot().Sum(m => m.Value));
            ReplyAssert.Is(await client.CommandAsync("QUIT"), 221);
        }

        // The session is unregistered after the client has seen its close: wait for it, a bounded number of times.
        for (int i = 0; i < 100 && sessions.GetMeasurementSnapshot().Sum(m => m.Value) != 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, sessions.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task FailedAuth_IsCountedWithItsMechanism()
    {
        using MetricCollector<long> auth = Collect("herald.smtp.auth.attempts");
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("Listeners:0:AllowPlaintextAuth", "true")),
            users: new Dictionary<string, string> { ["alice"] = "secret" },
            metrics: new ServerMetrics(_meters));

        (SmtpTestClient client, _) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (client)
        {
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            string wrong = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0wrong"));
            ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + wrong), 535, "5.7.8");
            string right = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0secret"));
            ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + right), 235);
        }

        Assert.Equal(
            ["PLAIN failure", "PLAIN success"],
            auth.GetMeasurementSnapshot().Select(m => $"{m.Tags["mechanism"]} {m.Tags["result"]}"));
    }

    private MetricCollector<long> Collect(string instrument) => new(_meters, ServerMetrics.MeterName, instrument);

    private static long Count(MetricCollector<long> replies, string code, string enhanced) =>
        replies.GetMeasurementSnapshot().Where(m => (string?)m.Tags["code"] == code && (string?)m.Tags["enhanced"] == enhanced).Sum(m => m.Value);
}
