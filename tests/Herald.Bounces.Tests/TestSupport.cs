// Helpers of the bounce tests: a queue in a temporary directory, sample messages, parsing back.
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Files;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Herald.Bounces.Tests;

/// <summary>A real FileQueueStore in a temporary directory, deleted at the end of the test.</summary>
internal sealed class TempQueue : IAsyncDisposable
{
    private TempQueue(string root, FileQueueStore store)
    {
        Root = root;
        Store = store;
    }

    public string Root { get; }

    public FileQueueStore Store { get; }

    public static async Task<TempQueue> OpenAsync(TimeProvider time)
    {
        string root = Directory.CreateTempSubdirectory("herald-bounces-").FullName;
        FileQueueStore store = await FileQueueStore.OpenAsync(new QueueStoreOptions(root), time, NullLogger<FileQueueStore>.Instance, CancellationToken.None);
        return new TempQueue(root, store);
    }

    public ValueTask DisposeAsync()
    {
        Store.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}

internal static class Samples
{
    public const string Hostname = "mx.herald.test";

    public static readonly DateTimeOffset Arrived = new(2030, 5, 6, 9, 8, 9, TimeSpan.FromHours(2));

    public static readonly DateTimeOffset Attempted = new(2030, 5, 6, 9, 10, 0, TimeSpan.Zero);

    public static readonly Mailbox Alice = new("alice", "example.com");

    public static readonly string Content =
        "From: Alice <alice@example.com>\r\n" +
        "To: Bob <bob@example.org>\r\n" +
        "Subject: Lunch on Friday\r\n" +
        "Message-Id: <lunch-1@example.com>\r\n" +
        "\r\n" +
        "Shall we meet at noon?\r\n" +
        "The body is never part of a headers-only report.\r\n";

    public static FakeTimeProvider Clock() => new(new DateTimeOffset(2030, 5, 6, 10, 0, 0, TimeSpan.Zero));

    public static BounceOptions Options(string? postmaster = null) => new() { Hostname = Hostname, PostmasterCopy = postmaster };

    public static Envelope Envelope(Mailbox? sender, params Mailbox[] recipients) =>
        new(sender, recipients, MailParameters.None, new ClientInfo("192.0.2.10", "client.example"), Arrived);

    public static QueuedMessage Message(Envelope envelope) =>
        new(QueueId.Parse("01JZ0000000000AB"), envelope,
            [.. envelope.Recipients.Select((_, i) => new RecipientStatus(i, RecipientState.Pending, 0, null, null, null))],
            Content.Length, OnHold: false);

    public static Stream ContentStream() => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Content));

    public static async Task<QueueId> CommitAsync(IQueueStore store, Envelope envelope, string content)
    {
        await using IMessageWriter writer = await store.CreateAsync(envelope, CancellationToken.None);
        await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(content), CancellationToken.None);
        await writer.CommitAsync(CancellationToken.None);
        return writer.Id;
    }

    /// <summary>Writes the report as the queue would store it (CRLF) and parses it back.</summary>
    public static async Task<MimeMessage> RoundTripAsync(MimeMessage dsn)
    {
        var buffer = new MemoryStream();
        FormatOptions format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await dsn.WriteToAsync(format, buffer);
        buffer.Position = 0;
        return await MimeMessage.LoadAsync(buffer);
    }

    public static async Task<MimeMessage> LoadQueuedAsync(IQueueStore store, QueueId id)
    {
        await using Stream content = store.OpenContent(id);
        var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        copy.Position = 0;
        return await MimeMessage.LoadAsync(copy);
    }
}
