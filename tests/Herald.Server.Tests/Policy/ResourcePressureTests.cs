using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.Policy;

public sealed class ResourcePressureTests
{
    [Fact]
    public async Task DiskUnderTheSoftFloor_Gets452_4_3_1AtMail_UnderTheCriticalFloor_421_4_3_1AtTheGreeting()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var probe = new AdjustableProbe { FreeDisk = 10L << 30 };
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("Limits:MinFreeDiskBytes", (1L << 30).ToString()), ("Limits:CriticalFreeDiskBytes", (100L << 20).ToString())),
            time,
            probe: probe);

        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250, "2.1.0");
        await client.CommandAsync("RSET");

        probe.FreeDisk = 500L << 20;
        time.Advance(TimeSpan.FromSeconds(2));
        SmtpReply low = await client.CommandAsync("MAIL FROM:<alice@example.org>");
        ReplyAssert.Is(low, 452, "4.3.1");
        Assert.Equal("Insufficient system storage", low.Text);

        probe.FreeDisk = 50L << 20;
        time.Advance(TimeSpan.FromSeconds(2));
        await using SmtpTestClient refused = await SmtpTestClient.ConnectAsync(server.Endpoint);
        SmtpReply greeting = await refused.ReadReplyAsync();
        ReplyAssert.Is(greeting, 421, "4.3.1");
        Assert.Equal("mx.herald.test Insufficient system resources, try again later", greeting.Text);
    }

    [Fact]
    public async Task MemoryOverTheCeiling_Gets421_4_3_1AtTheGreeting()
    {
        var probe = new AdjustableProbe { FreeDisk = 10L << 30, Memory = 900L << 20 };
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("Limits:MaxMemoryBytes", (512L << 20).ToString())), probe: probe);
        await using SmtpTestClient refused = await SmtpTestClient.ConnectAsync(server.Endpoint);
        ReplyAssert.Is(await refused.ReadReplyAsync(), 421, "4.3.1");
    }
}
