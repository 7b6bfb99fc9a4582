using System.Diagnostics;
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Sessions;

/// <summary>
/// Time limits on the system clock. Timers and the wall clock disagree by a millisecond or so, so a
/// timer can fire just before its deadline; every session must still be cut off.
/// </summary>
public sealed class RealClockTimeoutTests
{
    private const int Sessions = 50;

    // Generous for a loaded machine; without re-arming, sessions whose timer fired early never get a reply.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task FiftyIdleSessions_AllGet421_4_4_2_AndAreClosed()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("Limits:CommandTimeout", "00:00:01"), ("Limits:MaxConnectionsPerIp", "0"), ("Limits:MaxConnections", "200")));
        List<SmtpTestClient> clients = await ConnectAsync(server, ehlo: true);
        try
        {
            await AssertAllTimedOutAsync(clients);
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task FiftyStalledDataSessions_AllGet421_4_4_2_AndNothingIsStored()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("Limits:DataTimeout", "00:00:01"), ("Limits:MaxConnectionsPerIp", "0"), ("Limits:MaxConnections", "200")));
        List<SmtpTestClient> clients = await ConnectAsync(server, ehlo: true);
        try
        {
            foreach (SmtpTestClient client in clients)
            {
                ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250);
                ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250);
                ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
                await client.SendAsync("Subject: stalled\r\n\r\nhalf a line");
            }

            await AssertAllTimedOutAsync(clients);
            Assert.Empty(await server.QueuedAsync());
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    private static async Task<List<SmtpTestClient>> ConnectAsync(TestServer server, bool ehlo)
    {
        var clients = new List<SmtpTestClient>();
        for (int i = 0; i < Sessions; i++)
        {
            SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
            clients.Add(client);
            if (ehlo)
            {
                ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            }
        }

        return clients;
    }

    private static async Task AssertAllTimedOutAsync(List<SmtpTestClient> clients)
    {
        var clock = Stopwatch.StartNew();
        SmtpReply[] replies = await Task.WhenAll(clients.Select(c => c.ReadReplyAsync(Bound)));
        bool[] closed = await Task.WhenAll(clients.Select(c => c.WaitForCloseAsync(Bound)));
        Assert.All(replies, reply => ReplyAssert.Is(reply, 421, "4.4.2"));
        Assert.All(closed, Assert.True);
        Assert.True(clock.Elapsed < Bound, $"the last session was cut off after {clock.Elapsed}");
    }

    private static async Task DisposeAllAsync(List<SmtpTestClient> clients)
    {
        foreach (SmtpTestClient client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
