using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Tls;

public sealed class StartTlsTests
{
    [Fact]
    public async Task StartTls_UpgradesTheSession_AndEhloMustBeSaidAgain()
    {
        await using TestServer server = await TestServer.StartAsync(tls: true);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        SmtpReply ehlo = await client.CommandAsync("EHLO client.example");
        Assert.Contains("STARTTLS", ehlo.Lines);

        ReplyAssert.Is(await client.CommandAsync("STARTTLS"), 220, "2.0.0");
        await client.StartTlsAsync();
        Assert.True(client.Tls!.SslProtocol is System.Security.Authentication.SslProtocols.Tls12 or System.Security.Authentication.SslProtocols.Tls13);

        // RFC 3207 §4.2: the session starts over inside TLS.
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 503, "5.5.1");
        SmtpReply again = await client.CommandAsync("EHLO client.example");
        Assert.DoesNotContain("STARTTLS", again.Lines);
        ReplyAssert.Is(await client.CommandAsync("STARTTLS"), 503, "5.5.1");

        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        await client.CommandAsync("RCPT TO:<bob@localhost>");
        await client.CommandAsync("DATA");
        SmtpReply queued = await client.CommandAsync("Subject: secret\r\n\r\n.");
        ReplyAssert.Is(queued, 250, "2.0.0");
        string content = await server.ContentAsync((await server.QueuedAsync())[0].Id);
        Assert.Contains(" with ESMTPS id ", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandsPipelinedAfterStartTls_AreDiscarded_NotRunInsideTls()
    {
        // CVE-2011-0411: "STARTTLS\r\nHELP\r\n" in one packet must not get a HELP reply inside TLS.
        await using TestServer server = await TestServer.StartAsync(tls: true);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.SendAsync("STARTTLS\r\nHELP\r\n");
        ReplyAssert.Is(await client.ReadReplyAsync(), 220, "2.0.0");
        await client.StartTlsAsync();

        SmtpReply first = await client.CommandAsync("NOOP");
        ReplyAssert.Is(first, 250, "2.0.0");
    }

    [Fact]
    public async Task StartTlsWithoutACertificate_Gets454_4_7_0_AndIsNotAdvertised()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        Assert.DoesNotContain("STARTTLS", (await client.CommandAsync("EHLO client.example")).Lines);
        ReplyAssert.Is(await client.CommandAsync("STARTTLS"), 454, "4.7.0");
        ReplyAssert.Is(await client.CommandAsync("NOOP"), 250, "2.0.0");
    }

    [Fact]
    public async Task ImplicitTlsListener_SpeaksTlsFromTheFirstByte()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Listeners:0:ImplicitTls", "true")), tls: true);
        await using SmtpTestClient client = await SmtpTestClient.ConnectAsync(server.Endpoint);
        await client.StartTlsAsync();
        ReplyAssert.Is(await client.ReadReplyAsync(), 220);
        SmtpReply ehlo = await client.CommandAsync("EHLO client.example");
        Assert.DoesNotContain("STARTTLS", ehlo.Lines);
    }

    [Fact]
    public async Task FailedHandshake_ClosesTheConnection_AndTheServerGoesOn()
    {
        await using TestServer server = await TestServer.StartAsync(tls: true);
        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client)
        {
            await client.CommandAsync("EHLO client.example");
            ReplyAssert.Is(await client.CommandAsync("STARTTLS"), 220, "2.0.0");
            await client.SendAsync("this is not a TLS client hello\r\n");
            Assert.True(await client.WaitForCloseAsync());
        }

        (SmtpTestClient other, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (other)
        {
            ReplyAssert.Is(greeting, 220);
        }
    }
}
