using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Admission;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task FloodOfFiveTimesTheLimit_GetsExactly421_4_3_2ForTheExcess_AndClientsWithinTheLimitKeepBeingServed()
    {
        const int Limit = 100;
        const int Flood = 500;
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("Limits:MaxConnections", Limit.ToString()), ("Limits:MaxConnectionsPerIp", "0"), ("Limits:StressThreshold", "0")));

        // The first sessions take every slot and stay open (the stress rules, off here, would evict them: StressTests).
        var held = new List<SmtpTestClient>();
        for (int i = 0; i < Limit; i++)
        {
            (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
            ReplyAssert.Is(greeting, 220);
            held.Add(client);
        }

        // The flood: every one of them is refused at once, before any session exists.
        Task<SmtpReply?>[] flood = [.. Enumerable.Range(0, Flood - Limit).Select(async _ =>
        {
            await using SmtpTestClient client = await SmtpTestClient.ConnectAsync(server.Endpoint);
            SmtpReply? reply = await client.TryReadReplyAsync(TimeSpan.FromSeconds(30));
            Assert.True(await client.WaitForCloseAsync());
            return reply;
        })];

        // Meanwhile the sessions within the limit work normally.
        foreach (SmtpTestClient client in held.Take(10))
        {
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250, "2.1.0");
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250, "2.1.5");
        }

        SmtpReply?[] refusals = await Task.WhenAll(flood);
        Assert.All(refusals, r =>
        {
            Assert.NotNull(r);
            ReplyAssert.Is(r, 421, "4.3.2");
            Assert.Equal("mx.herald.test Service not available - too many connections, try again later", r.Text);
        });

        // A slot that frees up is usable again.
        await held[0].DisposeAsync();
        await WaitUntil(() => server.Server.Connections.Count < Limit);
        (SmtpTestClient again, SmtpReply welcome) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (again)
        {
            ReplyAssert.Is(welcome, 220);
        }

        foreach (SmtpTestClient client in held.Skip(1))
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task MoreSessionsFromOneAddressThanAllowed_Get421_4_7_0()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Limits:MaxConnectionsPerIp", "2")));
        await using SmtpTestClient first = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await using SmtpTestClient second = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await using SmtpTestClient third = await SmtpTestClient.ConnectAsync(server.Endpoint);

        SmtpReply reply = await third.ReadReplyAsync();
        ReplyAssert.Is(reply, 421, "4.7.0");
        Assert.Equal("mx.herald.test Error: too many connections from 127.0.0.1", reply.Text);
        Assert.True(await third.WaitForCloseAsync());
        ReplyAssert.Is(await first.CommandAsync("NOOP"), 250, "2.0.0");
    }

    [Fact]
    public async Task TrustedNetworks_AreExemptFromThePerAddressLimit()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("Limits:MaxConnectionsPerIp", "1"), ("TrustedNetworks:0", "127.0.0.0/8")));
        await using SmtpTestClient first = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        (SmtpTestClient second, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (second)
        {
            ReplyAssert.Is(greeting, 220);
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
