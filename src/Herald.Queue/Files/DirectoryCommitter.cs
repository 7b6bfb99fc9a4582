// Group commit for one directory: concurrent commits share a single directory fsync.
namespace Herald.Queue.Files;

/// <summary>
/// Serves "make my rename in this directory durable" requests. One fsync makes every rename done
/// before it started durable, so requests that arrive while an fsync runs all wait for the next one:
/// under load N commits cost far fewer than N directory fsyncs (the group commit of databases).
/// </summary>
internal sealed class DirectoryCommitter
{
    private readonly string _directory;
    private readonly IDirectorySync _sync;
    private readonly Lock _gate = new();
    private TaskCompletionSource? _next;
    private int _waiting;
    private bool _running;
    private long _syncCount;
    private long _requestCount;

    public DirectoryCommitter(string directory, IDirectorySync sync)
    {
        _directory = directory;
        _sync = sync;
    }

    public string Directory => _directory;

    /// <summary>Directory fsyncs done so far.</summary>
    public long SyncCount => Interlocked.Read(ref _syncCount);

    /// <summary>Calls of <see cref="FlushAsync"/> so far.</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>Requests waiting for an fsync that has not started yet.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting;
            }
        }
    }

    /// <summary>
    /// Completes after an fsync of the directory that started after this call: every change the caller
    /// made to the directory before calling is then durable.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        Task task;
        Interlocked.Increment(ref _requestCount);
        lock (_gate)
        {
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting++;
            task = _next.Task;
            if (!_running)
            {
                _running = true;
                _ = Task.Run(Run, CancellationToken.None);
            }
        }

        return task.WaitAsync(cancellationToken);
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource batch;
            lock (_gate)
            {
                if (_next is null)
                {
                    _running = false;
                    return;
                }

                batch = _next;
                _next = null;
                _waiting = 0;
            }

            try
            {
                _sync.Flush(_directory);
                Interlocked.Increment(ref _syncCount);
                batch.SetResult();
            }
            catch (Exception e)
            {
                // Handed on to every waiter of this batch; the loop goes on for the next one.
                batch.SetException(e);
            }
        }
    }
}
