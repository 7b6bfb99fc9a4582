using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Listeners;

/// <summary>Shutdown in two phases: ask every session to close, then abort what is left past the grace period.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task Drain_IdleGets421_MessageInFlightFinishesWith250Then421_LateMessageGets421AndIsNotStored()
    {
        TestServer server = await TestServer.StartAsync(TestServer.Settings(("Limits:ShutdownGracePeriod", "00:00:02")));
        try
        {
            await using SmtpTestClient idle = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
            await idle.CommandAsync("EHLO idle.example");
            await using SmtpTestClient finishing = await OpenDataAsync(server, "finishing");
            await using SmtpTestClient late = await OpenDataAsync(server, "late");

            Task stopping = server.Server.StopAsync(CancellationToken.None);

            SmtpReply idleReply = await idle.ReadReplyAsync();
            ReplyAssert.Is(idleReply, 421, "4.3.2");
            Assert.Equal("mx.herald.test Service shutting down, closing transmission channel", idleReply.Text);
            Assert.True(await idle.WaitForCloseAsync());

            // A new client during the drain is told the same and never gets a session.
            await using (SmtpTestClient newcomer = await SmtpTestClient.ConnectAsync(server.Endpoint))
            {
                ReplyAssert.Is(await newcomer.ReadReplyAsync(), 421, "4.3.2");
            }

            ReplyAssert.Is(await finishing.CommandAsync("the end of the message\r\n."), 250, "2.0.0");
            ReplyAssert.Is(await finishing.ReadReplyAsync(), 421, "4.3.2");
            Assert.True(await finishing.WaitForCloseAsync());

            // The late sender never finishes: past the grace period it is cut off with 421 and nothing is stored.
            ReplyAssert.Is(await late.ReadReplyAsync(TimeSpan.FromSeconds(30)), 421, "4.3.2");
            await stopping;

            var queued = await server.QueuedAsync();
            string content = await server.ContentAsync(Assert.Single(queued).Id);
            Assert.Contains("Subject: finishing", content, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<SmtpTestClient> OpenDataAsync(TestServer server, string name)
    {
        SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync($"EHLO {name}.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        await client.CommandAsync("RCPT TO:<bob@localhost>");
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
        await client.SendAsync($"Subject: {name}\r\n\r\nfirst part\r\n");
        return client;
    }
}
