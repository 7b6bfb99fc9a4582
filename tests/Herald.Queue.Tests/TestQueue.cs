// Helpers shared by the queue tests: temporary queue roots and sample envelopes.
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue.Files;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Queue.Tests;

/// <summary>Stands in for the directory fsync: counts, and can hold the first flush until told.</summary>
internal sealed class GatedDirectorySync : IDirectorySync
{
    private int _armed;

    public Func<bool>? HoldFirstUntil { get; set; }

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Flush(string directory)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1 && HoldFirstUntil is { } condition)
        {
            // A guard against a hang, not a timing: the assertion is on the count of flushes.
            DateTime giveUp = DateTime.UtcNow.AddSeconds(120);
            while (!condition() && DateTime.UtcNow < giveUp)
            {
                Thread.Sleep(1);
            }
        }

        PosixDirectorySync.Instance.Flush(directory);
    }
}

/// <summary>A queue root, a fake clock and a logger; opens stores on that root.</summary>
internal sealed class QueueFixture : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly List<FileQueueStore> _stores = [];

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));

    public CapturingLogger<FileQueueStore> Logger { get; } = new();

    public string Root => _root.Path;

    public string Active => System.IO.Path.Combine(Root, "active");

    public string Hold => System.IO.Path.Combine(Root, "hold");

    public string Tmp => System.IO.Path.Combine(Root, "tmp");

    public string Corrupt => System.IO.Path.Combine(Root, "corrupt");

    public async Task<FileQueueStore> OpenAsync(IDirectorySync? sync = null)
    {
        var store = new FileQueueStore(new QueueStoreOptions(Root), Time, Logger, sync ?? PosixDirectorySync.Instance);
        _stores.Add(store);
        await store.RecoverAsync(CancellationToken.None);
        return store;
    }

    public void Dispose()
    {
        foreach (FileQueueStore store in _stores)
        {
            store.Dispose();
        }

        _root.Dispose();
    }
}

internal static class Samples
{
    public static readonly DateTimeOffset Arrived = new(2030, 5, 6, 9, 8, 9, 123, TimeSpan.FromHours(2));

    public static Envelope Envelope(Mailbox? sender, params Mailbox[] recipients) =>
        new(sender, recipients, MailParameters.None, new ClientInfo("192.0.2.10", "client.example"), Arrived);

    public static Envelope Simple() => Envelope(new Mailbox("alice", "example.com"), new Mailbox("bob", "example.org"));

    public static byte[] Content(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    public static async Task<QueueId> CommitAsync(IQueueStore store, Envelope envelope, byte[] content)
    {
        await using IMessageWriter writer = await store.CreateAsync(envelope, CancellationToken.None);
        await writer.WriteAsync(content, CancellationToken.None);
        await writer.CommitAsync(CancellationToken.None);
        return writer.Id;
    }

    public static async Task<byte[]> ReadContentAsync(IQueueStore store, QueueId id)
    {
        await using Stream stream = store.OpenContent(id);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
