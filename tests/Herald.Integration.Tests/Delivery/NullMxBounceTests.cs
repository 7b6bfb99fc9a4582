// A message to a null-MX domain comes back to its sender as an RFC 3464 report, through the real process.
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Files;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace Herald.Integration.Tests.Delivery;

public sealed class NullMxBounceTests
{
    [Fact]
    public async Task MessageToANullMxDomain_ComesBackToItsSenderAsADsn_WithNoConnectionMade()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        herald.Dns.AddNullMx("nullmx.test");

        // Queued as a trusted relay client would have left it (the RCPT check would refuse it outright, 556).
        string queueDirectory = Path.Combine(herald.DataDirectory, "queue");
        using (FileQueueStore store = await FileQueueStore.OpenAsync(new QueueStoreOptions(queueDirectory), TimeProvider.System, NullLogger<FileQueueStore>.Instance, CancellationToken.None))
        {
            var envelope = new Envelope(Mailbox.Parse("alice@localhost"), [Mailbox.Parse("bob@nullmx.test")], MailParameters.None, new ClientInfo("127.0.0.1", "client.example"), DateTimeOffset.UtcNow);
            await using IMessageWriter writer = await store.CreateAsync(envelope, CancellationToken.None);
            await writer.WriteAsync("Subject: to nowhere\r\nMessage-Id: <nowhere@herald.test>\r\n\r\nHello.\r\n"u8.ToArray(), CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        await herald.StartAsync();
        string file = Assert.Single(await herald.WaitForDeliveryAsync("localhost", "alice"));
        MimeMessage dsn = await MimeMessage.LoadAsync(file);

        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        HeaderList recipient = status.StatusGroups[1];
        Assert.Equal("rfc822; bob@nullmx.test", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.10", recipient["Status"]);
        string text = ((TextPart)report[0]).Text;
        Assert.Contains("bob@nullmx.test", text, StringComparison.Ordinal);
        Assert.Contains("RFC 7505", text, StringComparison.Ordinal);
        Assert.StartsWith("Return-Path: <>", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
    }
}
