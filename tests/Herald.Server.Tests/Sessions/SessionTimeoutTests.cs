using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.Sessions;

/// <summary>Time limits driven by a fake clock: no test sleeps for minutes.</summary>
public sealed class SessionTimeoutTests
{
    [Fact]
    public async Task NoCommandWithinTheCommandTimeout_Gets421_4_4_2_AndClose()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using TestServer server = await TestServer.StartAsync(time: time);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);

        time.Advance(TimeSpan.FromMinutes(4));
        ReplyAssert.Is(await client.CommandAsync("NOOP"), 250, "2.0.0");
        await Settle();
        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        SmtpReply reply = await client.ReadReplyAsync();
        ReplyAssert.Is(reply, 421, "4.4.2");
        Assert.StartsWith("mx.herald.test Error: timeout exceeded", reply.Text, StringComparison.Ordinal);
        Assert.True(await client.WaitForCloseAsync());
    }

    [Fact]
    public async Task SlowlorisTricklingData_IsCutOffAtTheDataTimeout_AndNothingIsStored()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Limits:DataTimeout", "00:01:00")), time: time);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        await client.CommandAsync("RCPT TO:<bob@localhost>");
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);

        // One byte a second: each byte is well inside any idle timeout, but the whole must finish in a minute.
        SmtpReply? reply = null;
        for (int second = 0; second < 120 && reply is null; second++)
        {
            await client.SendAsync("x");
            await Settle();
            time.Advance(TimeSpan.FromSeconds(1));
            reply = await client.TryReadReplyAsync(TimeSpan.FromMilliseconds(20)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
        }

        reply ??= await client.ReadReplyAsync();
        ReplyAssert.Is(reply, 421, "4.4.2");
        Assert.True(await client.WaitForCloseAsync());
        Assert.Empty(await server.QueuedAsync());
    }

    // Lets the server's loop reach its next read before the clock moves.
    private static Task Settle() => Task.Delay(50);
}
