// FileQueueStore end to end on a real directory: round trips, torn files, recovery, journal, hold, group commit.
using System.Buffers.Binary;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Herald.Queue.Tests.Files;

public sealed class FileQueueStoreTests : IDisposable
{
    private readonly QueueFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task RoundTrip_EnvelopeAndContent_QuotedAndUtf8Addresses()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        var envelope = new Envelope(
            new Mailbox("john doe", "example.com"),
            [new Mailbox("a\"b\\c", "example.org"), new Mailbox("用户", "例子.广告"), new Mailbox("Ünïcode.User", "Bücher.example")],
            new MailParameters { Size = 123456, Body = BodyType.EightBitMime, SmtpUtf8 = true },
            new ClientInfo("2001:db8::25", "mx.client.example", "alice@example.com"),
            Samples.Arrived);
        byte[] content = Samples.Content("Subject: hi\r\n\r\nÄ body line\r\n.leading dot\r\n");

        QueueId id = await Samples.CommitAsync(store, envelope, content);
        QueuedMessage? message = await store.ReadAsync(id, CancellationToken.None);

        Assert.NotNull(message);
        Assert.Equal(id, message.Id);
        Assert.Equal(envelope.Sender, message.Envelope.Sender);
        Assert.Equal(envelope.Recipients, message.Envelope.Recipients);
        Assert.Equal(envelope.Parameters, message.Envelope.Parameters);
        Assert.Equal(envelope.Client, message.Envelope.Client);
        Assert.Equal(envelope.ArrivedAt, message.Envelope.ArrivedAt);
        Assert.Equal(envelope.ArrivedAt.Offset, message.Envelope.ArrivedAt.Offset);
        Assert.Equal("\"john doe\"@example.com", message.Envelope.Sender!.ToString());
        Assert.Equal("\"a\\\"b\\\\c\"@example.org", message.Envelope.Recipients[0].ToString());
        Assert.Equal(content.Length, message.ContentLength);
        Assert.False(message.OnHold);
        Assert.All(message.Recipients, r => Assert.Equal(RecipientState.Pending, r.State));
        Assert.Equal([0, 1, 2], message.Recipients.Select(r => r.Index));
        Assert.Equal(content, await Samples.ReadContentAsync(store, id));
    }

    [Fact]
    public async Task RoundTrip_NullSender_NoParameters_NoAuthentication()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        Envelope envelope = Samples.Envelope(null, new Mailbox("postmaster", "example.org"));

        QueueId id = await Samples.CommitAsync(store, envelope, Samples.Content("Subject: bounce\r\n\r\n"));
        QueuedMessage? message = await store.ReadAsync(id, CancellationToken.None);

        Assert.NotNull(message);
        Assert.Null(message.Envelope.Sender);
        Assert.Equal(MailParameters.None, message.Envelope.Parameters);
        Assert.Null(message.Envelope.Parameters.Size);
        Assert.Null(message.Envelope.Client.AuthenticatedAs);
    }

    [Fact]
    public async Task EmptyContent_RoundTrips()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        QueueId id = await Samples.CommitAsync(store, Samples.Simple(), []);

        Assert.Equal(0, (await store.ReadAsync(id, CancellationToken.None))!.ContentLength);
        Assert.Empty(await Samples.ReadContentAsync(store, id));
        using FileQueueStore reopened = await _fixture.OpenAsync();
        Assert.Equal([id], await reopened.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task LargeBody_20MB_In64KChunks_ReadsBackByteIdentical_WithCrcOk()
    {
        const int Chunk = 64 * 1024;
        const int Chunks = 20 * 16;
        using FileQueueStore store = await _fixture.OpenAsync();
        QueueId id;
        await using (IMessageWriter writer = await store.CreateAsync(Samples.Simple(), CancellationToken.None))
        {
            var random = new Random(1234);
            byte[] chunk = new byte[Chunk];
            for (int i = 0; i < Chunks; i++)
            {
                random.NextBytes(chunk);
                await writer.WriteAsync(chunk, CancellationToken.None);
            }

            Assert.Equal((long)Chunk * Chunks, writer.Length);
            await writer.CommitAsync(CancellationToken.None);
            id = writer.Id;
        }

        Assert.Equal((long)Chunk * Chunks, (await store.ReadAsync(id, CancellationToken.None))!.ContentLength);
        await using (Stream content = store.OpenContent(id))
        {
            Assert.Equal((long)Chunk * Chunks, content.Length);
            var random = new Random(1234);
            byte[] expected = new byte[Chunk];
            byte[] actual = new byte[Chunk];
            for (int i = 0; i < Chunks; i++)
            {
                random.NextBytes(expected);
                await content.ReadExactlyAsync(actual);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"chunk {i} differs");
            }

            Assert.Equal(0, await content.ReadAsync(actual));
        }

        using (SafeFileHandle handle = File.OpenHandle(Path.Combine(_fixture.Active, id.Value)))
        {
            QueueFileLayout? layout = QueueFileReader.ReadLayout(handle, out string? error);
            Assert.Null(error);
            Assert.True(QueueFileReader.VerifyContent(handle, layout!, CancellationToken.None));
        }

        using FileQueueStore reopened = await _fixture.OpenAsync();
        Assert.Equal([id], await reopened.ListAsync(CancellationToken.None));
        Assert.Empty(Directory.GetFiles(_fixture.Corrupt));
    }

    [Fact]
    public async Task TruncatedFile_IsMovedToCorruptOnOpen_AndNotListed()
    {
        QueueId id;
        using (FileQueueStore store = await _fixture.OpenAsync())
        {
            id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("Subject: x\r\n\r\nbody\r\n"));
        }

        string path = Path.Combine(_fixture.Active, id.Value);
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(file.Length - 3);
        }

        using FileQueueStore reopened = await _fixture.OpenAsync();

        Assert.Empty(await reopened.ListAsync(CancellationToken.None));
        Assert.Null(await reopened.ReadAsync(id, CancellationToken.None));
        Assert.False(File.Exists(path));
        Assert.True(File.Exists(Path.Combine(_fixture.Corrupt, id.Value)));
        Assert.Contains(_fixture.Logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(id.Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FlippedContentByte_BadCrc_IsMovedToCorrupt_AndNotListed()
    {
        QueueId id;
        using (FileQueueStore store = await _fixture.OpenAsync())
        {
            id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("Subject: x\r\n\r\nbody\r\n"));
        }

        string path = Path.Combine(_fixture.Active, id.Value);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^(QueueFileFormat.TrailerLength + 3)] ^= 0x20;
        File.WriteAllBytes(path, bytes);

        using FileQueueStore reopened = await _fixture.OpenAsync();

        Assert.Empty(await reopened.ListAsync(CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(_fixture.Corrupt, id.Value)));
        Assert.Contains(_fixture.Logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(id.Value, StringComparison.Ordinal)
            && l.Message.Contains("checksum", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FlippedEnvelopeByte_IsMovedToCorrupt()
    {
        QueueId id;
        using (FileQueueStore store = await _fixture.OpenAsync())
        {
            id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("body\r\n"));
        }

        string path = Path.Combine(_fixture.Active, id.Value);
        byte[] bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf("alice"u8);
        bytes[at] = (byte)'m';
        File.WriteAllBytes(path, bytes);

        using FileQueueStore reopened = await _fixture.OpenAsync();

        Assert.Empty(await reopened.ListAsync(CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(_fixture.Corrupt, id.Value)));
    }

    [Fact]
    public async Task TornFileInHold_WithJournal_BothMovedToCorrupt()
    {
        QueueId id;
        using (FileQueueStore store = await _fixture.OpenAsync())
        {
            id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("body\r\n"));
            await store.RecordAsync(id, [Deferred(0)], CancellationToken.None);
            await store.SetHoldAsync(id, true, CancellationToken.None);
        }

        string path = Path.Combine(_fixture.Hold, id.Value);
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(file.Length - 1);
        }

        using FileQueueStore reopened = await _fixture.OpenAsync();

        Assert.Empty(await reopened.ListAsync(CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(_fixture.Corrupt, id.Value)));
        Assert.True(File.Exists(Path.Combine(_fixture.Corrupt, id.Value + ".journal")));
        Assert.Empty(Directory.GetFiles(_fixture.Hold));
    }

    [Fact]
    public async Task StaleTmpFile_IsRemovedOnOpen()
    {
        using (await _fixture.OpenAsync())
        {
        }

        string stale = Path.Combine(_fixture.Tmp, "0123456789ABCDEF");
        File.WriteAllText(stale, "half a message");

        using FileQueueStore store = await _fixture.OpenAsync();

        Assert.False(File.Exists(stale));
        Assert.Empty(Directory.GetFiles(_fixture.Tmp));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task UncommittedWriter_Disposed_LeavesNothing()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        await using (IMessageWriter writer = await store.CreateAsync(Samples.Simple(), CancellationToken.None))
        {
            await writer.WriteAsync(Samples.Content("partial"), CancellationToken.None);
            Assert.Equal(7, writer.Length);
            Assert.Single(Directory.GetFiles(_fixture.Tmp));
        }

        Assert.Empty(Directory.GetFiles(_fixture.Tmp));
        Assert.Empty(Directory.GetFiles(_fixture.Active));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
        Assert.False(store.Arrivals.TryRead(out _));
    }

    [Fact]
    public async Task Commit_WritesArrival_AndNothingIsVisibleBefore()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        await using IMessageWriter writer = await store.CreateAsync(Samples.Simple(), CancellationToken.None);
        await writer.WriteAsync(Samples.Content("body\r\n"), CancellationToken.None);

        Assert.Empty(await store.ListAsync(CancellationToken.None));
        Assert.Null(await store.ReadAsync(writer.Id, CancellationToken.None));

        await writer.CommitAsync(CancellationToken.None);

        Assert.True(store.Arrivals.TryRead(out QueueId arrived));
        Assert.Equal(writer.Id, arrived);
        Assert.Equal([writer.Id], await store.ListAsync(CancellationToken.None));
        Assert.Empty(Directory.GetFiles(_fixture.Tmp));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(new byte[1], CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Subscribers_EachSeeEveryCommitAndRelease_AndArrivalsStillDoes()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        using var firstStop = new CancellationTokenSource();
        System.Threading.Channels.ChannelReader<QueueId> first = store.Subscribe(firstStop.Token);
        System.Threading.Channels.ChannelReader<QueueId> second = store.Subscribe(CancellationToken.None);

        QueueId a = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("a\r\n"));
        await store.SetHoldAsync(a, true, CancellationToken.None);
        await store.SetHoldAsync(a, false, CancellationToken.None);

        Assert.Equal([a, a], Drain(first));
        Assert.Equal([a, a], Drain(second));
        Assert.True(store.Arrivals.TryRead(out QueueId arrived));
        Assert.Equal(a, arrived);

        await firstStop.CancelAsync();
        QueueId b = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("b\r\n"));

        Assert.False(first.TryRead(out _));
        Assert.True(first.Completion.IsCompleted);
        Assert.True(second.TryRead(out QueueId s3));
        Assert.Equal(b, s3);
    }

    private static List<QueueId> Drain(System.Threading.Channels.ChannelReader<QueueId> reader)
    {
        var ids = new List<QueueId>();
        while (reader.TryRead(out QueueId id))
        {
            ids.Add(id);
        }

        return ids;
    }

    [Fact]
    public async Task Subscription_SeesOnlyWhatCommitsAfterIt_AndEndsWithTheStore()
    {
        FileQueueStore store = await _fixture.OpenAsync();
        QueueId before = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("x\r\n"));
        System.Threading.Channels.ChannelReader<QueueId> late = store.Subscribe(CancellationToken.None);

        Assert.False(late.TryRead(out _));
        Assert.True(store.Arrivals.TryRead(out QueueId early));
        Assert.Equal(before, early);

        store.Dispose();

        Assert.True(late.Completion.IsCompleted);
        Assert.True(store.Subscribe(CancellationToken.None).Completion.IsCompleted);
    }

    [Fact]
    public async Task Arrivals_UnreadKeepsOnlyTheNewest()
    {
        // Thousands of holds and releases: the directory fsyncs are skipped, they are not what is tested here.
        using FileQueueStore store = await _fixture.OpenAsync(new NoDirectorySync());
        System.Threading.Channels.ChannelReader<QueueId> all = store.Subscribe(CancellationToken.None);
        QueueId id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("x\r\n"));
        for (int i = 0; i < FileQueueStore.ArrivalsCapacity; i++)
        {
            await store.SetHoldAsync(id, true, CancellationToken.None);
            await store.SetHoldAsync(id, false, CancellationToken.None);
        }

        Assert.Equal(FileQueueStore.ArrivalsCapacity, store.Arrivals.Count);
        Assert.Equal(FileQueueStore.ArrivalsCapacity + 1, all.Count);
    }

    [Fact]
    public async Task List_IsOldestFirst_AndIncludesHeld()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        var ids = new List<QueueId>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await Samples.CommitAsync(store, Samples.Simple(), Samples.Content($"message {i}\r\n")));
            _fixture.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await store.SetHoldAsync(ids[2], true, CancellationToken.None);

        Assert.Equal(ids, await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Journal_ReplaysOutcomesIntoRecipientStatus()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        Envelope envelope = Samples.Envelope(new Mailbox("a", "example.com"), new Mailbox("b", "example.org"), new Mailbox("c", "example.org"), new Mailbox("d", "example.net"), new Mailbox("e", "example.net"));
        QueueId id = await Samples.CommitAsync(store, envelope, Samples.Content("body\r\n"));
        DateTimeOffset t0 = _fixture.Time.GetUtcNow();

        await store.RecordAsync(id, [Deferred(0, t0, "451 4.7.1 greylisted"), Deferred(2, t0, "421 4.3.2 busy")], CancellationToken.None);
        await store.RecordAsync(id, [Deferred(0, t0.AddMinutes(5), "451 4.7.1 greylisted again")], CancellationToken.None);
        await store.RecordAsync(id, [new RecipientOutcome(0, RecipientState.Delivered, t0.AddMinutes(15), null, "250 2.0.0 Ok", "mx.example.org[192.0.2.1]")], CancellationToken.None);
        await store.RecordAsync(id, [new RecipientOutcome(1, RecipientState.Bounced, t0, null, "550 5.1.1 User unknown", "mx.example.org[192.0.2.1]")], CancellationToken.None);

        QueuedMessage message = (await store.ReadAsync(id, CancellationToken.None))!;

        RecipientStatus first = message.Recipients[0];
        Assert.Equal(RecipientState.Delivered, first.State);
        Assert.Equal(3, first.Attempts);
        Assert.Equal(t0.AddMinutes(15), first.LastAttempt);
        Assert.Null(first.NextAttempt);
        Assert.Equal("250 2.0.0 Ok", first.LastReply);

        Assert.Equal(new RecipientStatus(1, RecipientState.Bounced, 1, t0, null, "550 5.1.1 User unknown"), message.Recipients[1]);
        Assert.Equal(new RecipientStatus(2, RecipientState.Deferred, 1, t0, t0.AddMinutes(5), "421 4.3.2 busy"), message.Recipients[2]);
        Assert.Equal(new RecipientStatus(3, RecipientState.Pending, 0, null, null, null), message.Recipients[3]);
        Assert.False(message.IsComplete);
    }

    [Fact]
    public async Task Journal_TornLastRecord_IsIgnored_AndCutBeforeTheNextAppend()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        QueueId id = await Samples.CommitAsync(store, Samples.Envelope(null, new Mailbox("b", "example.org"), new Mailbox("c", "example.org")), Samples.Content("x"));
        DateTimeOffset t0 = _fixture.Time.GetUtcNow();
        await store.RecordAsync(id, [Deferred(0, t0, "first")], CancellationToken.None);
        await store.RecordAsync(id, [Deferred(0, t0.AddMinutes(1), "second")], CancellationToken.None);

        string journal = Path.Combine(_fixture.Active, id.Value + ".journal");
        using (var file = new FileStream(journal, FileMode.Open))
        {
            file.SetLength(file.Length - 2);
        }

        QueuedMessage torn = (await store.ReadAsync(id, CancellationToken.None))!;
        Assert.Equal(1, torn.Recipients[0].Attempts);
        Assert.Equal("first", torn.Recipients[0].LastReply);

        await store.RecordAsync(id, [new RecipientOutcome(1, RecipientState.Delivered, t0, null, "250 ok", "local")], CancellationToken.None);

        QueuedMessage after = (await store.ReadAsync(id, CancellationToken.None))!;
        Assert.Equal(1, after.Recipients[0].Attempts);
        Assert.Equal(RecipientState.Delivered, after.Recipients[1].State);
        Assert.Contains(_fixture.Logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(id.Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HoldAndRelease_MoveMessageAndJournal_AndReleaseAnnouncesArrival()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        QueueId id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("body\r\n"));
        Assert.True(store.Arrivals.TryRead(out _));
        await store.RecordAsync(id, [Deferred(0)], CancellationToken.None);

        await store.SetHoldAsync(id, true, CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(_fixture.Hold, id.Value)));
        Assert.True(File.Exists(Path.Combine(_fixture.Hold, id.Value + ".journal")));
        Assert.Empty(Directory.GetFiles(_fixture.Active));
        QueuedMessage held = (await store.ReadAsync(id, CancellationToken.None))!;
        Assert.True(held.OnHold);
        Assert.Equal(1, held.Recipients[0].Attempts);
        Assert.Equal([id], await store.ListAsync(CancellationToken.None));
        Assert.Equal(Samples.Content("body\r\n"), await Samples.ReadContentAsync(store, id));
        Assert.False(store.Arrivals.TryRead(out _));

        await store.SetHoldAsync(id, true, CancellationToken.None);
        await store.SetHoldAsync(id, false, CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(_fixture.Active, id.Value)));
        Assert.True(File.Exists(Path.Combine(_fixture.Active, id.Value + ".journal")));
        Assert.Empty(Directory.GetFiles(_fixture.Hold));
        QueuedMessage released = (await store.ReadAsync(id, CancellationToken.None))!;
        Assert.False(released.OnHold);
        Assert.Equal(1, released.Recipients[0].Attempts);
        Assert.True(store.Arrivals.TryRead(out QueueId again));
        Assert.Equal(id, again);
    }

    [Fact]
    public async Task Hold_SurvivesReopen()
    {
        QueueId id;
        using (FileQueueStore store = await _fixture.OpenAsync())
        {
            id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("body\r\n"));
            await store.SetHoldAsync(id, true, CancellationToken.None);
        }

        using FileQueueStore reopened = await _fixture.OpenAsync();
        Assert.True((await reopened.ReadAsync(id, CancellationToken.None))!.OnHold);
    }

    [Fact]
    public async Task Remove_DeletesFileAndJournal()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        QueueId id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("body\r\n"));
        await store.RecordAsync(id, [new RecipientOutcome(0, RecipientState.Delivered, _fixture.Time.GetUtcNow(), null, "250 ok", "local")], CancellationToken.None);
        Assert.True((await store.ReadAsync(id, CancellationToken.None))!.IsComplete);

        await store.RemoveAsync(id, CancellationToken.None);

        Assert.Empty(Directory.GetFiles(_fixture.Active));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
        Assert.Null(await store.ReadAsync(id, CancellationToken.None));
        Assert.Throws<KeyNotFoundException>(() => store.OpenContent(id));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RecordAsync(id, [Deferred(0)], CancellationToken.None).AsTask());
        await store.RemoveAsync(id, CancellationToken.None);
    }

    [Fact]
    public async Task OpenContent_StaysReadable_AfterRemove()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        QueueId id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("body\r\n"));

        await using Stream content = store.OpenContent(id);
        await store.RemoveAsync(id, CancellationToken.None);

        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        Assert.Equal(Samples.Content("body\r\n"), copy.ToArray());
    }

    [Fact]
    public async Task OrphanedJournal_IsDeletedOnOpen_AndStrayJournalRejoinsItsMessage()
    {
        QueueId kept;
        using (FileQueueStore store = await _fixture.OpenAsync())
        {
            kept = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("body\r\n"));
            await store.RecordAsync(kept, [Deferred(0)], CancellationToken.None);
            await store.SetHoldAsync(kept, true, CancellationToken.None);
        }

        // As a crash inside SetHoldAsync would leave it: message in hold/, journal still in active/.
        File.Move(Path.Combine(_fixture.Hold, kept.Value + ".journal"), Path.Combine(_fixture.Active, kept.Value + ".journal"));
        string orphan = Path.Combine(_fixture.Active, "0123456789ABCDEF.journal");
        File.WriteAllText(orphan, "left by a remove");

        using FileQueueStore reopened = await _fixture.OpenAsync();

        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(Path.Combine(_fixture.Hold, kept.Value + ".journal")));
        Assert.Equal(1, (await reopened.ReadAsync(kept, CancellationToken.None))!.Recipients[0].Attempts);
    }

    [Fact]
    public async Task ValidQueueFile_CopiedIntoActiveBeforeOpen_IsListedAndReadable()
    {
        byte[] content = Samples.Content("Subject: carried over\r\n\r\nhello\r\n");
        string sourcePath;
        QueueId id;
        using (var other = new QueueFixture())
        {
            using FileQueueStore source = await other.OpenAsync();
            id = await Samples.CommitAsync(source, Samples.Simple(), content);
            sourcePath = Path.Combine(other.Active, id.Value);
            Directory.CreateDirectory(_fixture.Active);
            File.Copy(sourcePath, Path.Combine(_fixture.Active, id.Value));
        }

        using FileQueueStore store = await _fixture.OpenAsync();

        Assert.Equal([id], await store.ListAsync(CancellationToken.None));
        Assert.Equal(content, await Samples.ReadContentAsync(store, id));
        Assert.Equal("bob@example.org", (await store.ReadAsync(id, CancellationToken.None))!.Envelope.Recipients[0].ToString());
    }

    [Fact]
    public async Task UnknownFileInActive_IsLeftAloneAndNotListed()
    {
        Directory.CreateDirectory(_fixture.Active);
        string stray = Path.Combine(_fixture.Active, "README");
        File.WriteAllText(stray, "not a queue file");

        using FileQueueStore store = await _fixture.OpenAsync();

        Assert.True(File.Exists(stray));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task FiftyConcurrentCommits_AreAllDurableAndListed_WithFewerDirectoryFsyncsThanCommits()
    {
        const int Commits = 50;
        var sync = new GatedDirectorySync();
        QueueId[] ids;
        using (FileQueueStore store = await _fixture.OpenAsync(sync))
        {
            // Hold the first directory fsync until every commit has asked for one, so the test does not
            // depend on how fast the disk is: the other 49 must then share the next fsync.
            long requestsBefore = store.ActiveCommitter.RequestCount;
            sync.HoldFirstUntil = () => store.ActiveCommitter.RequestCount - requestsBefore >= Commits;
            sync.Arm();
            long fsyncsBefore = store.DirectorySyncCount;

            ids = await Task.WhenAll(Enumerable.Range(0, Commits).Select(i => Task.Run(() =>
                Samples.CommitAsync(store, Samples.Simple(), Samples.Content($"Subject: {i}\r\n\r\nmessage {i}\r\n")))));

            long fsyncs = store.DirectorySyncCount - fsyncsBefore;
            Assert.True(fsyncs < Commits, $"{fsyncs} directory fsyncs for {Commits} commits");
            Assert.True(fsyncs >= 1);
            Assert.Equal(ids.OrderBy(id => id.Value, StringComparer.Ordinal), await store.ListAsync(CancellationToken.None));
        }

        using FileQueueStore reopened = await _fixture.OpenAsync();
        Assert.Equal(Commits, (await reopened.ListAsync(CancellationToken.None)).Count);
        Assert.Empty(Directory.GetFiles(_fixture.Corrupt));
        for (int i = 0; i < Commits; i++)
        {
            Assert.Equal(Samples.Content($"Subject: {i}\r\n\r\nmessage {i}\r\n"), await Samples.ReadContentAsync(reopened, ids[i]));
        }
    }

    [Fact]
    public async Task UseBeforeRecover_Throws()
    {
        using var store = new FileQueueStore(new QueueStoreOptions(_fixture.Root), _fixture.Time, _fixture.Logger);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ListAsync(CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task OpenAsync_MakesTheFolders()
    {
        using FileQueueStore store = await FileQueueStore.OpenAsync(new QueueStoreOptions(Path.Combine(_fixture.Root, "q")), _fixture.Time, _fixture.Logger, CancellationToken.None);
        foreach (string name in (string[])["tmp", "active", "hold", "corrupt"])
        {
            Assert.True(Directory.Exists(Path.Combine(_fixture.Root, "q", name)));
        }
    }

    [Fact]
    public async Task QueueFile_BeginsWithMagic_AndEndsWithTrailer()
    {
        using FileQueueStore store = await _fixture.OpenAsync();
        QueueId id = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("abc"));
        byte[] bytes = File.ReadAllBytes(Path.Combine(_fixture.Active, id.Value));

        Assert.True(bytes.AsSpan().StartsWith(QueueFileFormat.Magic));
        Assert.True(bytes.AsSpan().EndsWith(QueueFileFormat.EndMagic));
        ReadOnlySpan<byte> trailer = bytes.AsSpan(bytes.Length - QueueFileFormat.TrailerLength);
        Assert.Equal((byte)'E', trailer[0]);
        Assert.Equal(3, BinaryPrimitives.ReadInt64BigEndian(trailer[1..]));
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32("abc"u8), BinaryPrimitives.ReadUInt32BigEndian(trailer[9..]));
        Assert.True(bytes.AsSpan(0, bytes.Length - QueueFileFormat.TrailerLength).EndsWith("abc"u8));
    }

    private RecipientOutcome Deferred(int index) => Deferred(index, _fixture.Time.GetUtcNow(), "451 4.3.0 try later");

    private static RecipientOutcome Deferred(int index, DateTimeOffset at, string reply) =>
        new(index, RecipientState.Deferred, at, at.AddMinutes(5), reply, "mx.example.org");
}

/// <summary>Skips the directory fsync, for tests that move files thousands of times.</summary>
internal sealed class NoDirectorySync : IDirectorySync
{
    public void Flush(string directory)
    {
    }
}
