using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Integration.Tests.Durability;

/// <summary>What was acknowledged with 250 survives kill -9, and the queue is read at start-up.</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task KillNineRightAfter250_EveryAcknowledgedMessageIsDeliveredAfterRestart()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        const int Messages = 30;
        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint)).Client)
        {
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            for (int i = 0; i < Messages; i++)
            {
                ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250, "2.1.0");
                ReplyAssert.Is(await client.CommandAsync("RCPT TO:<crash@localhost>"), 250, "2.1.5");
                ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
                ReplyAssert.Is(await client.CommandAsync($"Subject: message {i}\r\n\r\nbody {i}\r\n."), 250, "2.0.0");
            }

            // No QUIT, no grace: the process dies the moment the last 250 is read.
            herald.Kill();
        }

        await herald.StartAsync();
        string[] files = await herald.WaitForDeliveryAsync("localhost", "crash", Messages);
        var subjects = new HashSet<string>();
        foreach (string file in files)
        {
            string text = await File.ReadAllTextAsync(file);
            int start = text.IndexOf("Subject: message ", StringComparison.Ordinal);
            subjects.Add(text[start..text.IndexOf('\r', start)]);
        }

        // At worst a message is delivered twice (killed between Maildir and journal), never lost.
        Assert.Equal(Messages, subjects.Count);
    }

    [Fact]
    public async Task QueueFilePutInPlaceBeforeStart_IsDelivered()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        string queueDirectory = Path.Combine(herald.DataDirectory, "queue");
        using (FileQueueStore store = await FileQueueStore.OpenAsync(new QueueStoreOptions(queueDirectory), TimeProvider.System, NullLogger<FileQueueStore>.Instance, CancellationToken.None))
        {
            var envelope = new Envelope(Mailbox.Parse("alice@example.org"), [Mailbox.Parse("waiting@localhost")], MailParameters.None, new ClientInfo("127.0.0.1", "client.example"), DateTimeOffset.UtcNow);
            await using IMessageWriter writer = await store.CreateAsync(envelope, CancellationToken.None);
            await writer.WriteAsync("Subject: queued before start\r\n\r\nHello.\r\n"u8.ToArray(), CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        await herald.StartAsync();
        string file = Assert.Single(await herald.WaitForDeliveryAsync("localhost", "waiting"));
        Assert.Contains("Subject: queued before start", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TornQueueFile_IsSetAsideAsCorrupt_AndNeverDelivered()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        string active = Path.Combine(herald.DataDirectory, "queue", "active");
        Directory.CreateDirectory(active);
        string id = QueueId.New(TimeProvider.System).Value;
        await File.WriteAllBytesAsync(Path.Combine(active, id), "\u0089HQF\r\n\u001a\u0001 torn"u8.ToArray());

        await herald.StartAsync();
        Assert.True(File.Exists(Path.Combine(herald.DataDirectory, "queue", "corrupt", id)), herald.Output);
        Assert.False(File.Exists(Path.Combine(active, id)));
    }
}
