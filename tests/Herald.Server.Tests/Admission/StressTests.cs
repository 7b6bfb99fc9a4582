using Herald.Protocol.Replies;
using Herald.Server.Admission;
using Herald.TestSupport.Metrics;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Herald.Server.Tests.Admission;

/// <summary>
/// Slots under stress, on the real clock: past <c>Limits:StressThreshold</c> the command timeout is
/// <c>Limits:StressCommandTimeout</c>, and a full server closes its idlest session to admit a new one.
/// </summary>
public sealed class StressTests : IDisposable
{
    // Long enough for a session to pass SlotPressure.MinimumIdle, short next to any bound below.
    private static readonly TimeSpan PastMinimumIdle = SlotPressure.MinimumIdle + TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly TestMeterFactory _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public async Task OverTheThreshold_IdleSessionsGetTheStressTimeout_421_4_4_2()
    {
        await using TestServer server = await TestServer.StartAsync(Stressed(maxConnections: 10, threshold: 50, stressTimeout: "00:00:01"));
        List<SmtpTestClient> clients = await OpenAsync(server, 5);
        try
        {
            // Five of ten slots: 50 %. Every session, the ones that came first too, is now on a 1 s timeout.
            foreach (SmtpTestClient client in clients)
            {
                SmtpReply reply = await client.ReadReplyAsync(Bound);
                ReplyAssert.Is(reply, 421, "4.4.2");
                Assert.True(await client.WaitForCloseAsync(Bound));
            }
        }
        finally
        {
            await DisposeAsync(clients);
        }
    }

    [Fact]
    public async Task UnderTheThreshold_SessionsKeepTheCommandTimeout()
    {
        await using TestServer server = await TestServer.StartAsync(Stressed(maxConnections: 10, threshold: 50, stressTimeout: "00:00:01"));
        List<SmtpTestClient> clients = await OpenAsync(server, 4);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            foreach (SmtpTestClient client in clients)
            {
                ReplyAssert.Is(await client.CommandAsync("NOOP"), 250, "2.0.0");
            }
        }
        finally
        {
            await DisposeAsync(clients);
        }
    }

    [Fact]
    public async Task WhenEverySlotIsTaken_TheIdlestSessionGets421_4_4_2_AndTheNewClientIsGreeted()
    {
        using MetricCollector<long> evicted = new(_meters, ServerMetrics.MeterName, "herald.smtp.sessions.evicted");
        await using TestServer server = await TestServer.StartAsync(
            Stressed(maxConnections: 3, threshold: 80, stressTimeout: "00:05:00"), metrics: new ServerMetrics(_meters));
        List<SmtpTestClient> clients = await OpenAsync(server, 3);
        try
        {
            await Task.Delay(PastMinimumIdle);
            // The second and third talk now; the first has been idle the longest.
            ReplyAssert.Is(await clients[1].CommandAsync("NOOP"), 250);
            ReplyAssert.Is(await clients[2].CommandAsync("NOOP"), 250);

            (SmtpTestClient newcomer, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
            clients.Add(newcomer);
            ReplyAssert.Is(greeting, 220);
            SmtpReply evictedReply = await clients[0].ReadReplyAsync(Bound);
            ReplyAssert.Is(evictedReply, 421, "4.4.2");
            Assert.True(await clients[0].WaitForCloseAsync(Bound));
            ReplyAssert.Is(await clients[1].CommandAsync("NOOP"), 250);
            ReplyAssert.Is(await newcomer.CommandAsync("EHLO client.example"), 250);
            Assert.Equal(1, Assert.Single(evicted.GetMeasurementSnapshot()).Value);
        }
        finally
        {
            await DisposeAsync(clients);
        }
    }

    [Fact]
    public async Task SlowTricklingClientsInEverySlot_DoNotLockANewClientOut()
    {
        await using TestServer server = await TestServer.StartAsync(Stressed(maxConnections: 10, threshold: 80, stressTimeout: "00:05:00"));
        List<SmtpTestClient> clients = await OpenAsync(server, 10);
        try
        {
            // Each sends a byte now and then but never finishes a command: to the server it is idle.
            for (int i = 0; i < 3; i++)
            {
                foreach (SmtpTestClient client in clients)
                {
                    await client.SendAsync("N");
                }

                await Task.Delay(PastMinimumIdle / 2);
            }

            (SmtpTestClient newcomer, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
            clients.Add(newcomer);
            ReplyAssert.Is(greeting, 220);
        }
        finally
        {
            await DisposeAsync(clients);
        }
    }

    [Fact]
    public async Task SessionsReceivingAMessage_AreNeverEvicted_TheNewClientGets421_4_3_2()
    {
        await using TestServer server = await TestServer.StartAsync(Stressed(maxConnections: 2, threshold: 80, stressTimeout: "00:05:00"));
        List<SmtpTestClient> clients = await OpenAsync(server, 2);
        try
        {
            foreach (SmtpTestClient client in clients)
            {
                await client.CommandAsync("MAIL FROM:<alice@example.org>");
                await client.CommandAsync("RCPT TO:<bob@localhost>");
                ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
            }

            await Task.Delay(PastMinimumIdle);
            (SmtpTestClient refused, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
            clients.Add(refused);
            ReplyAssert.Is(greeting, 421, "4.3.2");
            foreach (SmtpTestClient client in clients.Take(2))
            {
                ReplyAssert.Is(await client.CommandAsync("Subject: kept\r\n\r\nbody\r\n."), 250, "2.0.0");
            }
        }
        finally
        {
            await DisposeAsync(clients);
        }
    }

    private static IEnumerable<KeyValuePair<string, string?>> Stressed(int maxConnections, int threshold, string stressTimeout) => TestServer.Settings(
        ("Limits:MaxConnections", maxConnections.ToString()), ("Limits:MaxConnectionsPerIp", "0"),
        ("Limits:StressThreshold", threshold.ToString()), ("Limits:StressCommandTimeout", stressTimeout));

    private static async Task<List<SmtpTestClient>> OpenAsync(TestServer server, int count)
    {
        var clients = new List<SmtpTestClient>();
        for (int i = 0; i < count; i++)
        {
            (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
            clients.Add(client);
            ReplyAssert.Is(greeting, 220);
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
        }

        return clients;
    }

    private static async Task DisposeAsync(List<SmtpTestClient> clients)
    {
        foreach (SmtpTestClient client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
