// The durable queue on disk: tmp/ to active/ by fsync and rename, hold/, corrupt/, one journal per message.
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Herald.Queue.Files;

/// <summary>
/// The queue store on the local file system, after Postfix and chasquid. A message is written to
/// <c>tmp/</c>, fsynced, renamed into <c>active/</c> and the directory fsynced (the rename is the commit);
/// recipient outcomes go to an append-only journal beside it; held messages live in <c>hold/</c>, and
/// files found torn or damaged at start-up are set aside in <c>corrupt/</c>, never delivered.
/// <see cref="RecoverAsync"/> must run once before any other member. docs/queue-format.md has the layout.
/// </summary>
/// <remarks>
/// <see cref="RecordAsync"/>, <see cref="SetHoldAsync"/> and <see cref="OpenContent"/> throw
/// <see cref="KeyNotFoundException"/> for an id that is not queued; <see cref="ReadAsync"/> returns null
/// and <see cref="RemoveAsync"/> does nothing.
/// </remarks>
public sealed class FileQueueStore : IQueueStore, IQueueDepth, IDisposable
{
    internal const string JournalSuffix = ".journal";

    /// <summary>Ids kept in <see cref="Arrivals"/> for a reader that has fallen behind; older ones are dropped.</summary>
    internal const int ArrivalsCapacity = 10_000;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TimeProvider _time;
    private readonly ILogger<FileQueueStore> _logger;
    private readonly IDirectorySync _sync;
    private readonly DirectoryCommitter _activeCommitter;
    private readonly DirectoryCommitter _holdCommitter;
    // Arrivals is kept for a single reader; the delivery services subscribe instead. Nothing in Herald reads
    // it any more, so it is bounded: unread, it would grow by one id per message for as long as the server runs.
    private readonly Channel<QueueId> _arrivals = Channel.CreateBounded<QueueId>(
        new BoundedChannelOptions(ArrivalsCapacity) { FullMode = BoundedChannelFullMode.DropOldest });

    private readonly Lock _subscribersGate = new();
    private readonly List<Channel<QueueId>> _subscribers = [];

    // Operations on one message (record, hold, remove, read) are serialized; different messages run in parallel.
    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private long _otherSyncs;
    private volatile bool _recovered;
    private volatile bool _disposed;

    public FileQueueStore(QueueStoreOptions options, TimeProvider time, ILogger<FileQueueStore> logger)
        : this(options, time, logger, PosixDirectorySync.Instance)
    {
    }

    internal FileQueueStore(QueueStoreOptions options, TimeProvider time, ILogger<FileQueueStore> logger, IDirectorySync sync)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(sync);
        _time = time;
        _logger = logger;
        _sync = sync;
        RootDirectory = Path.GetFullPath(options.Directory);
        TmpDirectory = Path.Combine(RootDirectory, "tmp");
        ActiveDirectory = Path.Combine(RootDirectory, "active");
        HoldDirectory = Path.Combine(RootDirectory, "hold");
        CorruptDirectory = Path.Combine(RootDirectory, "corrupt");
        _activeCommitter = new DirectoryCommitter(ActiveDirectory, sync);
        _holdCommitter = new DirectoryCommitter(HoldDirectory, sync);
    }

    /// <summary>
    /// Ids committed or released since start-up, for one reader. It holds at most
    /// <see cref="ArrivalsCapacity"/> unread ids and drops the oldest beyond that; a reader that must see
    /// every id uses <see cref="Subscribe"/>.
    /// </summary>
    public ChannelReader<QueueId> Arrivals => _arrivals.Reader;

    /// <summary>
    /// A fan-out of <see cref="Arrivals"/>: each caller gets an unbounded channel of its own, so local and
    /// outbound delivery both see every message. The channel is completed when the token is cancelled or
    /// the store is disposed.
    /// </summary>
    public ChannelReader<QueueId> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<QueueId>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
        lock (_subscribersGate)
        {
            if (_disposed || cancellationToken.IsCancellationRequested)
            {
                channel.Writer.TryComplete();
                return channel.Reader;
            }

            _subscribers.Add(channel);
        }

        cancellationToken.Register(() =>
        {
            lock (_subscribersGate)
            {
                _subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    internal string RootDirectory { get; }

    internal string TmpDirectory { get; }

    internal string ActiveDirectory { get; }

    internal string HoldDirectory { get; }

    internal string CorruptDirectory { get; }

    internal DirectoryCommitter ActiveCommitter => _activeCommitter;

    /// <summary>Every directory fsync this store has done, for tests of group commit.</summary>
    internal long DirectorySyncCount => _activeCommitter.SyncCount + _holdCommitter.SyncCount + Interlocked.Read(ref _otherSyncs);

    /// <summary>Makes a store and runs <see cref="RecoverAsync"/> on it.</summary>
    public static async ValueTask<FileQueueStore> OpenAsync(
        QueueStoreOptions options, TimeProvider time, ILogger<FileQueueStore> logger, CancellationToken cancellationToken)
    {
        var store = new FileQueueStore(options, time, logger);
        try
        {
            await store.RecoverAsync(cancellationToken);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the store for a process that only adds messages while no server runs (<c>herald sendmail</c>).
    /// It makes the folders but leaves tmp/ and the queued files alone: sweeping tmp/ is the server's
    /// start-up job, and done by every submitter it would delete the file another submitter (a second
    /// cron job) is writing at that moment. Only <see cref="CreateAsync"/> is meant to be used on it.
    /// </summary>
    public static FileQueueStore OpenForSubmission(QueueStoreOptions options, TimeProvider time, ILogger<FileQueueStore> logger)
    {
        var store = new FileQueueStore(options, time, logger);
        store.CreateFolders();
        store._recovered = true;
        return store;
    }

    /// <summary>
    /// The start-up step: makes the folders, deletes unfinished files from tmp/, verifies every file in
    /// active/ and hold/ (envelope, trailer, content CRC-32) and moves torn or damaged ones to corrupt/
    /// with a warning, then fsyncs the folders. Reads every queued message once, so start-up time grows
    /// with the size of the queue.
    /// </summary>
    public async ValueTask RecoverAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Task.Run(() => Recover(cancellationToken), cancellationToken);
        _recovered = true;
    }

    public async ValueTask<IMessageWriter> CreateAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        EnsureReady();
        byte[] header = QueueFileFormat.EncodeHeader(envelope);
        QueueId id = QueueId.New(_time);
        string tmpPath = Path.Combine(TmpDirectory, id.Value);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 64 * 1024,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        var stream = new FileStream(tmpPath, options);
        try
        {
            await stream.WriteAsync(header, cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync();
            File.Delete(tmpPath);
            throw;
        }

        return new QueueFileWriter(this, id, tmpPath, stream);
    }

    public ValueTask<IReadOnlyList<QueueId>> ListAsync(CancellationToken cancellationToken)
    {
        EnsureReady();
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string directory in (string[])[ActiveDirectory, HoldDirectory])
        {
            foreach (string path in Directory.EnumerateFiles(directory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (QueueId.TryParse(Path.GetFileName(path), out QueueId? id))
                {
                    ids.Add(id.Value.Value);
                }
            }
        }

        // Ids begin with their arrival time in a sortable alphabet, so ordinal order is arrival order.
        IReadOnlyList<QueueId> list = ids.Select(QueueId.Parse).ToList();
        return ValueTask.FromResult(list);
    }

    /// <summary>
    /// Counts the message files of each folder by name alone, reading none of them. Safe at any time, also
    /// before <see cref="RecoverAsync"/> (a folder not made yet counts as empty); a message moving between
    /// folders while they are counted may be counted in both or neither.
    /// </summary>
    public QueueDepth Depth()
    {
        (int active, QueueId? oldestActive) = CountMessages(ActiveDirectory);
        (int held, QueueId? oldestHeld) = CountMessages(HoldDirectory);
        int corrupt = 0;
        try
        {
            corrupt = Directory.EnumerateFiles(CorruptDirectory).Count(path => !path.EndsWith(JournalSuffix, StringComparison.Ordinal));
        }
        catch (DirectoryNotFoundException)
        {
        }

        QueueId? oldest = oldestActive is null ? oldestHeld
            : oldestHeld is null ? oldestActive
            : string.CompareOrdinal(oldestActive.Value.Value, oldestHeld.Value.Value) <= 0 ? oldestActive : oldestHeld;
        return new QueueDepth(active, held, corrupt, oldest?.Timestamp);
    }

    private static (int Count, QueueId? Oldest) CountMessages(string directory)
    {
        int count = 0;
        string? oldest = null;
        try
        {
            foreach (string path in Directory.EnumerateFiles(directory))
            {
                string name = Path.GetFileName(path);
                if (QueueId.TryParse(name, out _))
                {
                    count++;
                    oldest = oldest is null || string.CompareOrdinal(name, oldest) < 0 ? name : oldest;
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }

        return (count, oldest is null ? null : QueueId.Parse(oldest));
    }

    public async ValueTask<QueuedMessage?> ReadAsync(QueueId id, CancellationToken cancellationToken)
    {
        EnsureReady();
        using (await LockAsync(id, cancellationToken))
        {
            if (Locate(id) is not (string directory, bool onHold))
            {
                return null;
            }

            QueueFileLayout? layout;
            string? error;
            try
            {
                using SafeFileHandle handle = File.OpenHandle(Path.Combine(directory, id.Value), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
                layout = QueueFileReader.ReadLayout(handle, out error);
            }
            catch (FileNotFoundException)
            {
                return null;
            }

            if (layout is null)
            {
                Quarantine(directory, id, error ?? "unreadable");
                return null;
            }

            List<RecipientOutcome> outcomes = ReadJournal(directory, id);
            IReadOnlyList<RecipientStatus> recipients = RecipientJournal.Replay(layout.Envelope.Recipients.Count, outcomes);
            return new QueuedMessage(id, layout.Envelope, recipients, layout.ContentLength, onHold);
        }
    }

    public Stream OpenContent(QueueId id)
    {
        EnsureReady();

        // No lock here (this member is synchronous): a message moving between active/ and hold/ is
        // looked for again; once the handle is open, a move or removal no longer matters.
        for (int attempt = 0; attempt < 3; attempt++)
        {
            foreach (string directory in (string[])[ActiveDirectory, HoldDirectory])
            {
                SafeFileHandle handle;
                try
                {
                    handle = File.OpenHandle(Path.Combine(directory, id.Value), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
                }
                catch (FileNotFoundException)
                {
                    continue;
                }

                QueueFileLayout? layout = QueueFileReader.ReadLayout(handle, out string? error);
                if (layout is null)
                {
                    handle.Dispose();
                    throw new InvalidDataException($"Queue file {id} is damaged: {error}.");
                }

                return new ContentStream(handle, layout.ContentOffset, layout.ContentLength);
            }
        }

        throw NotQueued(id);
    }

    public async ValueTask RecordAsync(QueueId id, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken)
    {
        EnsureReady();
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0)
        {
            return;
        }

        byte[] records = RecipientJournal.Encode(outcomes);
        using (await LockAsync(id, cancellationToken))
        {
            if (Locate(id) is not (string directory, bool onHold))
            {
                throw NotQueued(id);
            }

            string path = JournalPath(directory, id);
            bool created = !File.Exists(path);
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = PrivateFile;
            }

            using (var journal = new FileStream(path, options))
            {
                if (journal.Length > 0)
                {
                    // A crash while appending leaves a torn last record; cut it off, or every record
                    // appended after it would be unreadable too.
                    byte[] existing = new byte[journal.Length];
                    journal.ReadExactly(existing);
                    RecipientJournal.Read(existing, out int validLength);
                    if (validLength < existing.Length)
                    {
                        _logger.LogWarning("Journal of {QueueId} ended in a torn record; {Octets} octets dropped", id, existing.Length - validLength);
                        journal.SetLength(validLength);
                    }

                    journal.Position = validLength;
                }

                journal.Write(records);
                journal.Flush(flushToDisk: true);
            }

            if (created)
            {
                await CommitterFor(onHold).FlushAsync(CancellationToken.None);
            }
        }
    }

    public async ValueTask RemoveAsync(QueueId id, CancellationToken cancellationToken)
    {
        EnsureReady();
        using (await LockAsync(id, cancellationToken))
        {
            if (Locate(id) is not (string directory, bool onHold))
            {
                return;
            }

            // The message first: a journal left alone by a crash is an orphan that start-up deletes,
            // whereas a message left without its journal would be delivered again.
            File.Delete(Path.Combine(directory, id.Value));
            File.Delete(JournalPath(directory, id));
            await CommitterFor(onHold).FlushAsync(CancellationToken.None);
            _logger.LogInformation("{QueueId} removed from the queue", id);
        }
    }

    /// <summary>
    /// Moves a message (and its journal) to hold/ or back to active/. A released message is written to
    /// <see cref="Arrivals"/> and to every subscriber so that delivery takes it up without a rescan.
    /// </summary>
    public async ValueTask SetHoldAsync(QueueId id, bool hold, CancellationToken cancellationToken)
    {
        EnsureReady();
        using (await LockAsync(id, cancellationToken))
        {
            if (Locate(id) is not (string directory, bool onHold))
            {
                throw NotQueued(id);
            }

            if (onHold == hold)
            {
                return;
            }

            string target = hold ? HoldDirectory : ActiveDirectory;
            File.Move(Path.Combine(directory, id.Value), Path.Combine(target, id.Value));
            if (File.Exists(JournalPath(directory, id)))
            {
                File.Move(JournalPath(directory, id), JournalPath(target, id), overwrite: true);
            }

            await CommitterFor(hold).FlushAsync(CancellationToken.None);
            await CommitterFor(!hold).FlushAsync(CancellationToken.None);
            _logger.LogInformation("{QueueId} {Action}", id, hold ? "put on hold" : "released from hold");
            if (!hold)
            {
                Announce(id);
            }
        }
    }

    public void Dispose()
    {
        lock (_subscribersGate)
        {
            _disposed = true;
            foreach (Channel<QueueId> subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }

            _subscribers.Clear();
        }

        _arrivals.Writer.TryComplete();
    }

    /// <summary>The commit step of a writer: rename into active/, fsync active/, announce.</summary>
    internal async ValueTask PublishAsync(QueueId id, string tmpPath)
    {
        File.Move(tmpPath, Path.Combine(ActiveDirectory, id.Value), overwrite: false);
        await _activeCommitter.FlushAsync(CancellationToken.None);
        Announce(id);
    }

    /// <summary>
    /// Tells <see cref="Arrivals"/> and every subscriber that <paramref name="id"/> is ready for delivery now
    /// rather than at its next scheduled attempt; <c>herald queue flush</c> calls it after setting the next
    /// attempts to now.
    /// </summary>
    public void Announce(QueueId id)
    {
        _arrivals.Writer.TryWrite(id);
        lock (_subscribersGate)
        {
            foreach (Channel<QueueId> subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(id);
            }
        }
    }

    private static KeyNotFoundException NotQueued(QueueId id) => new($"{id} is not queued.");

    private static string JournalPath(string directory, QueueId id) => Path.Combine(directory, id.Value + JournalSuffix);

    private DirectoryCommitter CommitterFor(bool onHold) => onHold ? _holdCommitter : _activeCommitter;

    private (string Directory, bool OnHold)? Locate(QueueId id)
    {
        if (File.Exists(Path.Combine(ActiveDirectory, id.Value)))
        {
            return (ActiveDirectory, false);
        }

        if (File.Exists(Path.Combine(HoldDirectory, id.Value)))
        {
            return (HoldDirectory, true);
        }

        return null;
    }

    private static List<RecipientOutcome> ReadJournal(string directory, QueueId id)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(JournalPath(directory, id));
        }
        catch (FileNotFoundException)
        {
            return [];
        }

        return RecipientJournal.Read(bytes, out _);
    }

    private async ValueTask<Releaser> LockAsync(QueueId id, CancellationToken cancellationToken)
    {
        SemaphoreSlim gate = _locks[(uint)StringComparer.Ordinal.GetHashCode(id.Value) % (uint)_locks.Length];
        await gate.WaitAsync(cancellationToken);
        return new Releaser(gate);
    }

    private void EnsureReady()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_recovered)
        {
            throw new InvalidOperationException("RecoverAsync must run before the queue store is used.");
        }
    }

    private void CreateFolders()
    {
        foreach (string directory in (string[])[RootDirectory, TmpDirectory, ActiveDirectory, HoldDirectory, CorruptDirectory])
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, PrivateDirectory);
            }
        }
    }

    private void Recover(CancellationToken cancellationToken)
    {
        CreateFolders();

        // Anything in tmp/ was never committed: no 250 was given for it, so the client still has it.
        int unfinished = 0;
        foreach (string path in Directory.EnumerateFiles(TmpDirectory))
        {
            File.Delete(path);
            unfinished++;
        }

        if (unfinished > 0)
        {
            _logger.LogInformation("Deleted {Count} unfinished file(s) from {Directory}", unfinished, TmpDirectory);
        }

        int queued = 0;
        foreach (string directory in (string[])[ActiveDirectory, HoldDirectory])
        {
            foreach (string path in Directory.GetFiles(directory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string name = Path.GetFileName(path);
                if (name.EndsWith(JournalSuffix, StringComparison.Ordinal))
                {
                    continue;
                }

                if (!QueueId.TryParse(name, out QueueId? id))
                {
                    _logger.LogWarning("{Path} is not a queue file name; left alone and never delivered", path);
                    continue;
                }

                string? error = Verify(path, cancellationToken);
                if (error is null)
                {
                    queued++;
                }
                else
                {
                    Quarantine(directory, id.Value, error);
                }
            }
        }

        ReconcileJournals();
        foreach (string directory in (string[])[TmpDirectory, ActiveDirectory, HoldDirectory, CorruptDirectory, RootDirectory])
        {
            _sync.Flush(directory);
            Interlocked.Increment(ref _otherSyncs);
        }

        _logger.LogInformation("Queue at {Directory} opened with {Count} message(s)", RootDirectory, queued);
    }

    private static string? Verify(string path, CancellationToken cancellationToken)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        QueueFileLayout? layout = QueueFileReader.ReadLayout(handle, out string? error);
        if (layout is null)
        {
            return error;
        }

        return QueueFileReader.VerifyContent(handle, layout, cancellationToken) ? null : "content checksum mismatch";
    }

    // A crash inside SetHoldAsync can leave a journal apart from its message, and one inside RemoveAsync
    // a journal with no message at all: bring the first back to its message, delete the second.
    private void ReconcileJournals()
    {
        foreach ((string directory, string other) in (ReadOnlySpan<(string, string)>)[(ActiveDirectory, HoldDirectory), (HoldDirectory, ActiveDirectory)])
        {
            foreach (string path in Directory.GetFiles(directory, "*" + JournalSuffix))
            {
                string name = Path.GetFileName(path);
                string messageName = name[..^JournalSuffix.Length];
                if (File.Exists(Path.Combine(directory, messageName)))
                {
                    continue;
                }

                if (File.Exists(Path.Combine(other, messageName)) && !File.Exists(Path.Combine(other, name)))
                {
                    File.Move(path, Path.Combine(other, name));
                    _logger.LogInformation("Journal {Journal} moved back beside its message in {Directory}", name, other);
                }
                else
                {
                    File.Delete(path);
                    _logger.LogInformation("Orphaned journal {Journal} deleted", name);
                }
            }
        }
    }

    private void Quarantine(string directory, QueueId id, string reason)
    {
        string target = Path.Combine(CorruptDirectory, id.Value);
        for (int n = 1; File.Exists(target); n++)
        {
            target = Path.Combine(CorruptDirectory, $"{id.Value}.{n}");
        }

        File.Move(Path.Combine(directory, id.Value), target);
        if (File.Exists(JournalPath(directory, id)))
        {
            File.Move(JournalPath(directory, id), target + JournalSuffix);
        }

        _sync.Flush(CorruptDirectory);
        _sync.Flush(directory);
        Interlocked.Add(ref _otherSyncs, 2);
        _logger.LogWarning(
            "Queue file {QueueId} in {Directory} is damaged ({Reason}); moved to {Corrupt}, it will not be delivered",
            id, Path.GetFileName(directory), reason, CorruptDirectory);
    }

    private readonly struct Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
