using Herald.Protocol.Replies;
using Herald.Server.Tests.Policy;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Sessions;

/// <summary>
/// <c>Limits:HardErrorLimit</c> counts protocol errors only (syntax, sequence, unknown command, bad AUTH).
/// A policy refusal is the server's answer to a well-formed command, and the contract says the session stays.
/// </summary>
public sealed class ErrorCountTests
{
    private const int Limit = 3;

    [Fact]
    public async Task UnknownCommandsUpToTheLimit_Get421_4_7_0_AndClose()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Limits:HardErrorLimit", Limit.ToString())));
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        for (int i = 1; i < Limit; i++)
        {
            ReplyAssert.Is(await client.CommandAsync("FROB"), 500, "5.5.2");
        }

        ReplyAssert.Is(await client.CommandAsync("FROB"), 500, "5.5.2");
        SmtpReply closing = await client.ReadReplyAsync();
        ReplyAssert.Is(closing, 421, "4.7.0");
        Assert.Equal("mx.herald.test Error: too many errors", closing.Text);
        Assert.True(await client.WaitForCloseAsync());
    }

    [Fact]
    public async Task SequenceErrorsCount()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Limits:HardErrorLimit", Limit.ToString())));
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        for (int i = 0; i < Limit; i++)
        {
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 503, "5.5.1");
        }

        ReplyAssert.Is(await client.ReadReplyAsync(), 421, "4.7.0");
    }

    [Fact]
    public async Task RateRefusalsAtMail_DoNotCount_AndTheSessionStays()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("Limits:HardErrorLimit", Limit.ToString()), ("RateLimits:MessagesPerMinute", "1")));
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250, "2.1.0");
        await client.CommandAsync("RSET");

        for (int i = 0; i < Limit * 3; i++)
        {
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 450, "4.7.1");
        }

        ReplyAssert.Is(await client.CommandAsync("NOOP"), 250, "2.0.0");
    }

    [Fact]
    public async Task StorageRefusalsAtMail_DoNotCount_AndTheSessionStays()
    {
        var probe = new AdjustableProbe { FreeDisk = 500L << 20 };
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("Limits:HardErrorLimit", Limit.ToString()), ("Limits:MinFreeDiskBytes", (1L << 30).ToString())),
            probe: probe);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");

        for (int i = 0; i < Limit * 3; i++)
        {
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 452, "4.3.1");
        }

        ReplyAssert.Is(await client.CommandAsync("NOOP"), 250, "2.0.0");
    }

    [Fact]
    public async Task DnsFailuresAtMail_DoNotCount_AndTheSessionStays()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("Limits:HardErrorLimit", Limit.ToString()), ("Checks:RejectNullMxSender", "true")));
        server.Dns.AddServFail("broken.test");
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");

        for (int i = 0; i < Limit * 3; i++)
        {
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<someone@broken.test>"), 451, "4.4.3");
        }

        ReplyAssert.Is(await client.CommandAsync("NOOP"), 250, "2.0.0");
    }
}
