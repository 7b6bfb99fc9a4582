// The work line of the delivery services: one pass per message at a time, many messages at once.
using Herald.Queue;

namespace Herald.Delivery.Tests;

public sealed class MessageWorkQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly QueueId First = QueueId.Parse("01M8N9CYYRJ49WN8");
    private static readonly QueueId Second = QueueId.Parse("01M8N9CYYRJ49WN9");

    [Fact]
    public async Task AnIdEnqueuedDuringItsPass_IsHandledOnceMoreAfterIt_NeverTwiceAtOnce()
    {
        var work = new MessageWorkQueue();
        var firstPassStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirstPass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondPassDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int passes = 0;
        int running = 0;
        int mostAtOnce = 0;
        using var stop = new CancellationTokenSource();

        Task runner = work.RunAsync(4, async (_, _) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            int pass = Interlocked.Increment(ref passes);
            if (pass == 1)
            {
                firstPassStarted.SetResult();
                await releaseFirstPass.Task;
            }

            Interlocked.Decrement(ref running);
            if (pass == 2)
            {
                secondPassDone.SetResult();
            }
        }, (_, e) => Assert.Fail(e.ToString()), _ => { }, stop.Token);

        work.Enqueue(First);
        await firstPassStarted.Task.WaitAsync(Patience);
        work.Enqueue(First);
        work.Enqueue(First);
        releaseFirstPass.SetResult();
        await secondPassDone.Task.WaitAsync(Patience);

        await stop.CancelAsync();
        await runner.WaitAsync(Patience);
        Assert.Equal(2, passes);
        Assert.Equal(1, mostAtOnce);
    }

    [Fact]
    public async Task DifferentIds_AreHandledAtTheSameTime()
    {
        var work = new MessageWorkQueue();
        using var bothInside = new Barrier(2);
        int afterPasses = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        // Each pass waits for the other one to be inside too: with one pass at a time this could never finish.
        Task runner = work.RunAsync(2, (_, token) => Task.Run(() => Assert.True(bothInside.SignalAndWait(Patience)), token), (_, e) => done.TrySetException(e), _ =>
        {
            if (Interlocked.Increment(ref afterPasses) == 2)
            {
                done.TrySetResult();
            }
        }, stop.Token);

        work.Enqueue(First);
        work.Enqueue(Second);
        await done.Task.WaitAsync(Patience);
        await stop.CancelAsync();
        await runner.WaitAsync(Patience);
    }

    [Fact]
    public async Task AFailedPass_GoesToTheErrorHandler_AndTheWorkerGoesOn()
    {
        var work = new MessageWorkQueue();
        var failed = new List<QueueId>();
        var handled = new List<QueueId>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        Task runner = work.RunAsync(
            1,
            (id, _) => id == First ? throw new IOException("disk full") : Task.CompletedTask,
            (id, e) => { Assert.IsType<IOException>(e); failed.Add(id); },
            id => { handled.Add(id); if (handled.Count == 2) { done.SetResult(); } },
            stop.Token);

        work.Enqueue(First);
        work.Enqueue(Second);
        await done.Task.WaitAsync(Patience);
        await stop.CancelAsync();
        await runner.WaitAsync(Patience);
        Assert.Equal([First], failed);
        Assert.Equal([First, Second], handled);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
