// Two real SMTP servers sharing one redis-server: what a client does to one, the other knows; Redis down over real sockets.
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Cluster.Tests;

public sealed class TwoServersTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task ClientOverTheConnectionRateOnA_Gets421_4_7_0_FromB()
    {
        await using ClusterNode a = await ClusterNode.StartAsync(redis.Server, _prefix, _time, p => p.RateLimits.ConnectionsPerMinute = 2);
        await using ClusterNode b = await ClusterNode.StartAsync(redis.Server, _prefix, _time, p => p.RateLimits.ConnectionsPerMinute = 2);
        for (int i = 0; i < 2; i++)
        {
            (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(a.Endpoint);
            await using (client)
            {
                ReplyAssert.Is(greeting, 220);
            }
        }

        (SmtpTestClient refused, SmtpReply reply) = await SmtpTestClient.ConnectAndGreetAsync(b.Endpoint);
        await using (refused)
        {
            ReplyAssert.Is(reply, 421, "4.7.0");
            Assert.Equal("mx.herald.test Error: too many connections from 127.0.0.1", reply.Text);
            Assert.True(await refused.WaitForCloseAsync());
        }
    }

    [Fact]
    public async Task TripletGreylistedThroughA_PassesThroughB_AfterTheDelay()
    {
        await using ClusterNode a = await ClusterNode.StartAsync(redis.Server, _prefix, _time, p => p.Greylisting.Enabled = true);
        await using ClusterNode b = await ClusterNode.StartAsync(redis.Server, _prefix, _time, p => p.Greylisting.Enabled = true);

        SmtpReply first = await RcptAsync(a, "bob@herald.test");
        ReplyAssert.Is(first, 451, "4.7.1");
        Assert.Equal("<bob@herald.test>: Recipient address rejected: Greylisted, try again in 300 seconds", first.Text);

        _time.Advance(TimeSpan.FromMinutes(1));
        SmtpReply early = await RcptAsync(b, "bob@herald.test");
        ReplyAssert.Is(early, 451, "4.7.1");
        Assert.EndsWith("try again in 240 seconds", early.Text, StringComparison.Ordinal); // B knows A's first attempt

        _time.Advance(TimeSpan.FromMinutes(5));
        ReplyAssert.Is(await RcptAsync(b, "bob@herald.test"), 250, "2.1.5");
    }

    [Fact]
    public async Task RedisDown_RatesAnswer4_3_0_OverRealSockets_AndGreylistingLetsMailThrough()
    {
        await using RedisServer own = await RedisServer.StartAsync();
        await using ClusterNode limited = await ClusterNode.StartAsync(own, _prefix, _time, p =>
        {
            p.RateLimits.ConnectionsPerMinute = 100;
            p.RateLimits.RecipientsPerMinute = 100;
        });
        await using ClusterNode greylisting = await ClusterNode.StartAsync(own, _prefix, _time, p => p.Greylisting.Enabled = true);
        (SmtpTestClient session, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(limited.Endpoint);
        await using (session)
        {
            ReplyAssert.Is(greeting, 220);
            ReplyAssert.Is(await session.CommandAsync("EHLO client.example.org"), 250);
            ReplyAssert.Is(await session.CommandAsync("MAIL FROM:<alice@example.org>"), 250);

            await own.StopAsync();

            // Mid-session: the recipient cannot be counted, so it is deferred, and the session goes on.
            SmtpReply rcpt = await session.CommandAsync("RCPT TO:<bob@herald.test>");
            ReplyAssert.Is(rcpt, 451, "4.3.0");
            Assert.Equal("<bob@herald.test>: Temporary lookup failure, try again later", rcpt.Text);
            ReplyAssert.Is(await session.CommandAsync("NOOP"), 250);
        }

        // A new connection cannot be counted either: 421 before any session.
        (SmtpTestClient refused, SmtpReply reply) = await SmtpTestClient.ConnectAndGreetAsync(limited.Endpoint);
        await using (refused)
        {
            ReplyAssert.Is(reply, 421, "4.3.0");
            Assert.Equal("mx.herald.test Error: temporary lookup failure, try again later", reply.Text);
        }

        // Greylisting only filters: without its store the mail goes through, as with a broken greylist.db.
        ReplyAssert.Is(await RcptAsync(greylisting, "carol@herald.test"), 250, "2.1.5");
    }

    private static async Task<SmtpReply> RcptAsync(ClusterNode node, string recipient)
    {
        (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(node.Endpoint);
        await using (client)
        {
            ReplyAssert.Is(greeting, 220);
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example.org"), 250);
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250);
            SmtpReply reply = await client.CommandAsync($"RCPT TO:<{recipient}>");
            await client.CommandAsync("QUIT");
            return reply;
        }
    }
}
