using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Policy;

/// <summary>Anvil-style rate limits over a real socket, with the contract's exact codes.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task ConnectionRateOverTheLimit_Gets421_4_7_0AtTheGreeting()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("RateLimits:ConnectionsPerMinute", "3")));
        for (int i = 0; i < 3; i++)
        {
            (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
            await using (client)
            {
                ReplyAssert.Is(greeting, 220);
            }
        }

        await using SmtpTestClient fourth = await SmtpTestClient.ConnectAsync(server.Endpoint);
        SmtpReply reply = await fourth.ReadReplyAsync();
        ReplyAssert.Is(reply, 421, "4.7.0");
        Assert.Equal("mx.herald.test Error: too many connections from 127.0.0.1", reply.Text);
        Assert.True(await fourth.WaitForCloseAsync());
    }

    [Fact]
    public async Task TrustedNetworks_AreExemptFromRates()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("RateLimits:ConnectionsPerMinute", "1"), ("TrustedNetworks:0", "127.0.0.0/8")));
        for (int i = 0; i < 3; i++)
        {
            (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
            await using (client)
            {
                ReplyAssert.Is(greeting, 220);
            }
        }
    }

    [Fact]
    public async Task MessageRateOverTheLimit_Gets450_4_7_1AtMail_AndTheSessionStays()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("RateLimits:MessagesPerMinute", "2")));
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        for (int i = 0; i < 2; i++)
        {
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250, "2.1.0");
            ReplyAssert.Is(await client.CommandAsync("RSET"), 250, "2.0.0");
        }

        SmtpReply refused = await client.CommandAsync("MAIL FROM:<alice@example.org>");
        ReplyAssert.Is(refused, 450, "4.7.1");
        Assert.Equal("Error: too much mail from 127.0.0.1", refused.Text);
        ReplyAssert.Is(await client.CommandAsync("NOOP"), 250, "2.0.0");
    }

    [Fact]
    public async Task RecipientRateOverTheLimit_Gets450_4_7_1AtRcpt()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("RateLimits:RecipientsPerMinute", "2")));
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<a@localhost>"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<b@localhost>"), 250, "2.1.5");
        SmtpReply refused = await client.CommandAsync("RCPT TO:<c@localhost>");
        ReplyAssert.Is(refused, 450, "4.7.1");
        Assert.Equal("Error: too many recipients from 127.0.0.1", refused.Text);
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
        ReplyAssert.Is(await client.CommandAsync("."), 250, "2.0.0");
    }
}
