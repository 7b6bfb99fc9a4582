// Group commit: requests that arrive while a directory fsync runs share the next one.
using Herald.Queue.Files;

namespace Herald.Queue.Tests.Files;

public sealed class DirectoryCommitterTests
{
    [Fact]
    public async Task RequestsArrivingDuringAFlush_ShareTheNextFlush()
    {
        var sync = new BlockingSync();
        var committer = new DirectoryCommitter("/queue/active", sync);

        Task first = committer.FlushAsync(CancellationToken.None);
        await sync.FirstEntered.Task;
        Task[] waiting = Enumerable.Range(0, 10).Select(_ => committer.FlushAsync(CancellationToken.None)).ToArray();
        Assert.Equal(10, committer.Waiting);
        Assert.False(first.IsCompleted);

        sync.Release.SetResult();
        await first;
        await Task.WhenAll(waiting);

        Assert.Equal(2, committer.SyncCount);
        Assert.Equal(2, sync.Calls);
        Assert.Equal(11, committer.RequestCount);
    }

    [Fact]
    public async Task AFailedFlush_FailsItsBatch_AndTheNextBatchStillRuns()
    {
        var sync = new FailingOnceSync();
        var committer = new DirectoryCommitter("/queue/active", sync);

        await Assert.ThrowsAsync<IOException>(() => committer.FlushAsync(CancellationToken.None));
        await committer.FlushAsync(CancellationToken.None);

        Assert.Equal(1, committer.SyncCount);
    }

    [Fact]
    public void RealDirectoryFsync_Succeeds()
    {
        using var directory = new TempDirectory();
        FileSystemDurability.FlushDirectory(directory.Path);
        Assert.Throws<IOException>(() => FileSystemDurability.FlushDirectory(Path.Combine(directory.Path, "missing")));
    }

    private sealed class BlockingSync : IDirectorySync
    {
        private int _calls;

        public TaskCompletionSource FirstEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public void Flush(string directory)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                FirstEntered.SetResult();
                Release.Task.Wait();
            }
        }
    }

    private sealed class FailingOnceSync : IDirectorySync
    {
        private int _calls;

        public void Flush(string directory)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                throw new IOException("EIO");
            }
        }
    }
}
