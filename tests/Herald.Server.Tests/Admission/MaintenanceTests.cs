using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Admission;

public sealed class MaintenanceTests
{
    [Fact]
    public async Task MaintenanceOn_NewConnectionsGet421_4_3_2_AndOffRestoresThe220()
    {
        await using TestServer server = await TestServer.StartAsync();
        server.Server.Status.SetMaintenance(true);

        await using (SmtpTestClient refused = await SmtpTestClient.ConnectAsync(server.Endpoint))
        {
            SmtpReply reply = await refused.ReadReplyAsync();
            ReplyAssert.Is(reply, 421, "4.3.2");
            Assert.Equal("mx.herald.test Service not available - maintenance, try again later", reply.Text);
            Assert.True(await refused.WaitForCloseAsync());
        }

        server.Server.Status.SetMaintenance(true, "moving to new disks");
        await using (SmtpTestClient refused = await SmtpTestClient.ConnectAsync(server.Endpoint))
        {
            SmtpReply reply = await refused.ReadReplyAsync();
            ReplyAssert.Is(reply, 421, "4.3.2");
            Assert.Equal("mx.herald.test Service not available - maintenance: moving to new disks", reply.Text);
        }

        server.Server.Status.SetMaintenance(false);
        (SmtpTestClient welcome, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint);
        await using (welcome)
        {
            ReplyAssert.Is(greeting, 220);
        }
    }

    [Fact]
    public async Task MaintenanceSwitchedOnMidSession_TheOpenTransactionFinishes_TheNextMailGets421()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250, "2.1.0");

        server.Server.Status.SetMaintenance(true);
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
        ReplyAssert.Is(await client.CommandAsync("Subject: in flight\r\n\r\n."), 250, "2.0.0");

        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 421, "4.3.2");
        Assert.True(await client.WaitForCloseAsync());
        Assert.Single(await server.QueuedAsync());
    }
}
