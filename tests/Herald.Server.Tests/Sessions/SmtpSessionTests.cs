using System.Text;
using Herald.Protocol.Replies;
using Herald.Queue;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Sessions;

public sealed class SmtpSessionTests
{
    [Fact]
    public async Task AcceptedMessage_IsInTheQueueWithReceivedHeaderAndEnvelope_WhenThe250Arrives()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org> BODY=8BITMIME");
        await client.CommandAsync("RCPT TO:<bob@localhost>");
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
        SmtpReply queued = await client.CommandAsync("Subject: hi\r\n\r\nbody\r\n.");
        ReplyAssert.Is(queued, 250, "2.0.0");

        string id = queued.Text["Ok: queued as ".Length..];
        QueuedMessage? message = await server.Queue.ReadAsync(QueueId.Parse(id), CancellationToken.None);
        Assert.NotNull(message);
        Assert.Equal("alice@example.org", message.Envelope.Sender!.ToString());
        Assert.Equal("bob@localhost", Assert.Single(message.Envelope.Recipients).ToString());
        Assert.Equal("127.0.0.1", message.Envelope.Client.Address);
        Assert.Equal("client.example", message.Envelope.Client.HeloName);

        string content = await server.ContentAsync(message.Id);
        Assert.StartsWith("Received: from client.example ([127.0.0.1])\r\n\tby mx.herald.test (Herald) with ESMTP id " + id, content, StringComparison.Ordinal);
        Assert.Contains("\r\n\tfor <bob@localhost>; ", content, StringComparison.Ordinal);
        Assert.EndsWith("\r\nSubject: hi\r\n\r\nbody\r\n", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageTooLargeWhileReceiving_StoresNothing()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Limits:MaxMessageSize", "4096")));
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        await client.CommandAsync("RCPT TO:<bob@localhost>");
        await client.CommandAsync("DATA");
        await client.SendAsync(string.Concat(Enumerable.Repeat(new string('y', 998) + "\r\n", 50)));
        ReplyAssert.Is(await client.CommandAsync("."), 552, "5.3.4");
        Assert.Empty(await server.QueuedAsync());
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "queue"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ClientDisconnectingMidData_LeavesNothingBehind_AndOthersAreServed()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client)
        {
            await client.CommandAsync("EHLO client.example");
            await client.CommandAsync("MAIL FROM:<alice@example.org>");
            await client.CommandAsync("RCPT TO:<bob@localhost>");
            await client.CommandAsync("DATA");
            await client.SendAsync("Subject: cut short\r\n\r\nhalf a mess");
        }

        await using SmtpTestClient other = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        ReplyAssert.Is(await other.CommandAsync("NOOP"), 250, "2.0.0");
        for (int i = 0; i < 100 && Directory.GetFiles(Path.Combine(server.DataDirectory, "queue"), "*", SearchOption.AllDirectories).Length > 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Empty(await server.QueuedAsync());
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "queue"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task TenThousandPipelinedCommands_AreAnsweredInOrder()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        var batch = new StringBuilder();
        for (int i = 0; i < 10_000; i++)
        {
            batch.Append(i % 2 == 0 ? "NOOP\r\n" : "RSET\r\n");
        }

        Task send = client.SendAsync(batch.ToString());
        for (int i = 0; i < 10_000; i++)
        {
            ReplyAssert.Is(await client.ReadReplyAsync(), 250, "2.0.0");
        }

        await send;
        ReplyAssert.Is(await client.CommandAsync("QUIT"), 221, "2.0.0");
    }

    [Fact]
    public async Task GarbageBytes_GetErrorsAndA421_NeverACrash()
    {
        await using TestServer server = await TestServer.StartAsync();
        var random = new Random(5321);
        byte[] garbage = new byte[4000];
        random.NextBytes(garbage);
        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client)
        {
            await client.SendAsync(garbage);
            await client.SendAsync("\r\n");
            SmtpReply? last = null;
            while (await client.TryReadReplyAsync(TimeSpan.FromSeconds(20)) is { } reply)
            {
                Assert.True(reply.Code.Value is 500 or 501 or 421, reply.ToString());
                last = reply;
            }

            ReplyAssert.Is(last!, 421, "4.7.0");
        }

        await using SmtpTestClient other = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        ReplyAssert.Is(await other.CommandAsync("EHLO client.example"), 250);
    }

    [Fact]
    public async Task ManyMessagesOnOneConnection_AreEachQueuedWithTheirOwnId()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        var ids = new HashSet<string>();
        for (int i = 0; i < 5; i++)
        {
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250, "2.1.0");
            ReplyAssert.Is(await client.CommandAsync($"RCPT TO:<user{i}@localhost>"), 250, "2.1.5");
            ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
            SmtpReply reply = await client.CommandAsync($"Subject: {i}\r\n\r\n.");
            ReplyAssert.Is(reply, 250, "2.0.0");
            ids.Add(reply.Text);
        }

        Assert.Equal(5, ids.Count);
        Assert.Equal(5, (await server.QueuedAsync()).Count);
    }
}
