using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Sessions;

public sealed class EarlyTalkerTests
{
    [Fact]
    public async Task ClientTalkingBeforeTheGreeting_Gets554_5_5_0_AndIsClosed_WhenConfigured()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("Smtp:RejectEarlyTalkers", "true"), ("Smtp:GreetingDelay", "00:00:01")));
        await using SmtpTestClient early = await SmtpTestClient.ConnectAsync(server.Endpoint);
        await early.SendAsync("EHLO spam.example\r\nMAIL FROM:<spam@example.org>\r\n");
        SmtpReply reply = await early.ReadReplyAsync();
        ReplyAssert.Is(reply, 554, "5.5.0");
        Assert.True(await early.WaitForCloseAsync());
    }

    [Fact]
    public async Task ClientWaitingForTheGreeting_IsServed()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("Smtp:RejectEarlyTalkers", "true"), ("Smtp:GreetingDelay", "00:00:01")));
        (SmtpTestClient polite, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (polite)
        {
            ReplyAssert.Is(greeting, 220);
            ReplyAssert.Is(await polite.CommandAsync("EHLO client.example"), 250);
        }
    }

    [Fact]
    public async Task EarlyTalkers_AreServedByDefault()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient early = await SmtpTestClient.ConnectAsync(server.Endpoint);
        await early.SendAsync("NOOP\r\n");
        ReplyAssert.Is(await early.ReadReplyAsync(), 220);
        ReplyAssert.Is(await early.ReadReplyAsync(), 250, "2.0.0");
    }
}
