using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Policy;

/// <summary>RFC 7505 checks against a real DNS server on loopback.</summary>
public sealed class NullMxTests
{
    [Fact]
    public async Task SenderDomainWithNullMx_Gets550_5_7_27_AndDnsFailureGets451_4_4_3()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Checks:RejectNullMxSender", "true")));
        server.Dns.AddNullMx("nullmx.test").AddMx("good.test", 10, "mx.good.test").AddA("mx.good.test", "192.0.2.25").AddServFail("broken.test");
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");

        SmtpReply nullMx = await client.CommandAsync("MAIL FROM:<someone@nullmx.test>");
        ReplyAssert.Is(nullMx, 550, "5.7.27");
        Assert.Equal("<someone@nullmx.test>: Sender address has null MX", nullMx.Text);

        SmtpReply broken = await client.CommandAsync("MAIL FROM:<someone@broken.test>");
        ReplyAssert.Is(broken, 451, "4.4.3");

        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<someone@good.test>"), 250, "2.1.0");
        ReplyAssert.Is(await client.CommandAsync("RSET"), 250, "2.0.0");
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<someone@missing.test>"), 250, "2.1.0");
    }

    [Fact]
    public async Task RelayedRecipientWithNullMx_Gets556_5_1_10_AndADnsFailureIsAccepted()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("TrustedNetworks:0", "127.0.0.0/8")));
        server.Dns.AddNullMx("nullmx.test").AddServFail("broken.test").AddMx("good.test", 10, "mx.good.test").AddA("mx.good.test", "192.0.2.25");
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");

        SmtpReply nullMx = await client.CommandAsync("RCPT TO:<bob@nullmx.test>");
        ReplyAssert.Is(nullMx, 556, "5.1.10");
        Assert.Equal("<bob@nullmx.test>: Recipient address has null MX", nullMx.Text);
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@broken.test>"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@good.test>"), 250, "2.1.5");
    }

    [Fact]
    public async Task RelayedRecipients_WhenDnsDoesNotAnswer_AreAcceptedAndQueued()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("TrustedNetworks:0", "127.0.0.0/8")));
        server.Dns.AddServFail("broken.test");
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@broken.test>"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
        ReplyAssert.Is(await client.CommandAsync("Subject: relayed\r\n\r\nbody\r\n."), 250, "2.0.0");

        Assert.Single(await server.QueuedAsync());
    }

    [Fact]
    public async Task WithASmartHost_RelayedRecipientsNeedNoDns_EvenANullMxDomainIsTheSmartHostsToRoute()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(
            ("TrustedNetworks:0", "127.0.0.0/8"), ("Delivery:SmartHost", "127.0.0.1:2526")));
        server.Dns.AddNullMx("nullmx.test");
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");

        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@nullmx.test>"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@unanswered.test>"), 250, "2.1.5");
        Assert.Equal(0, server.Dns.QueryCount("nullmx.test"));
    }
}
