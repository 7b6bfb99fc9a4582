// The DSN extension (RFC 3461) on the receiving side: offered in EHLO, parsed, and kept in the queue file.
using Herald.Protocol.Commands;
using Herald.Protocol.Replies;
using Herald.Queue;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Sessions;

public sealed class DsnParameterTests
{
    [Fact]
    public async Task Ehlo_OffersDsn()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        SmtpReply ehlo = await client.CommandAsync("EHLO client.example");
        Assert.Contains("DSN", ehlo.Lines.Skip(1));
    }

    [Fact]
    public async Task DsnParameters_AreStoredWithTheMessage_AsTheClientGaveThem()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org> RET=FULL ENVID=QQ+2B314159"), 250, "2.1.0");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2BAlias@localhost"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<carol@localhost>"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<dave@localhost> NOTIFY=NEVER"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
        SmtpReply queued = await client.CommandAsync("Subject: dsn\r\n\r\nbody\r\n.");
        ReplyAssert.Is(queued, 250, "2.0.0");

        QueuedMessage message = (await server.Queue.ReadAsync(QueueId.Parse(queued.Text["Ok: queued as ".Length..]), CancellationToken.None))!;
        Assert.Equal(DsnReturn.Full, message.Envelope.Parameters.Return);
        Assert.Equal("QQ+314159", message.Envelope.Parameters.EnvelopeId);
        Assert.Equal(
            new RecipientParameters { Notify = DsnNotify.Success | DsnNotify.Failure, OriginalRecipient = new OriginalRecipient("rfc822", "Bob+Alias@localhost") },
            message.Envelope.ParametersOf(0));
        Assert.Same(RecipientParameters.None, message.Envelope.ParametersOf(1));
        Assert.Equal(DsnNotify.Never, message.Envelope.ParametersOf(2).Notify);
    }

    [Fact]
    public async Task DuplicateRecipient_KeepsTheParametersItFirstCameWith()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost> NOTIFY=DELAY"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost> NOTIFY=NEVER"), 250, "2.1.5");
        await client.CommandAsync("DATA");
        SmtpReply queued = await client.CommandAsync("Subject: twice\r\n\r\nbody\r\n.");

        QueuedMessage message = (await server.Queue.ReadAsync(QueueId.Parse(queued.Text["Ok: queued as ".Length..]), CancellationToken.None))!;
        Assert.Single(message.Envelope.Recipients);
        Assert.Equal(DsnNotify.Delay, message.Envelope.ParametersOf(0).Notify);
    }

    [Theory]
    [InlineData("MAIL FROM:<alice@example.org> RET=BODY")]
    [InlineData("MAIL FROM:<alice@example.org> ENVID=bad=id")]
    public async Task BadMailDsnParameter_Gets501_5_5_4(string line)
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync(line), 501, "5.5.4");
    }

    [Theory]
    [InlineData("RCPT TO:<bob@localhost> NOTIFY=NEVER,DELAY")]
    [InlineData("RCPT TO:<bob@localhost> ORCPT=bob@localhost")]
    public async Task BadRcptDsnParameter_Gets501_5_5_4(string line)
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        ReplyAssert.Is(await client.CommandAsync(line), 501, "5.5.4");
    }

    [Fact]
    public async Task Utf8Orcpt_WithoutSmtpUtf8_Gets553_5_6_7_AndWithIt250()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost> ORCPT=utf-8;jörg@localhost"), 553, "5.6.7");
        await client.CommandAsync("RSET");
        await client.CommandAsync("MAIL FROM:<alice@example.org> SMTPUTF8");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost> ORCPT=utf-8;jörg@localhost"), 250, "2.1.5");
    }

    [Fact]
    public async Task AuthParameterOnMail_IsAccepted()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org> AUTH=<>"), 250, "2.1.0");
    }
}
