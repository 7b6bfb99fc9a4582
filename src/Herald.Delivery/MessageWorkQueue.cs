// The line of queued messages waiting for a delivery pass, worked by several workers, one pass per message at a time.
using System.Threading.Channels;
using Herald.Queue;

namespace Herald.Delivery;

/// <summary>
/// Queue ids waiting for a pass of a delivery service, and the workers that take them. A message is in
/// line at most once, and never handled by two workers at once: an id enqueued while its pass runs is
/// handled once more after it, so nothing announced during a pass is missed. Both delivery services use
/// it, so each can work on many messages at once (their disk waits and remote hosts overlap) while
/// every message sees one pass at a time.
/// </summary>
internal sealed class MessageWorkQueue
{
    private readonly Channel<QueueId> _line = Channel.CreateUnbounded<QueueId>();
    private readonly Lock _gate = new();
    private readonly Dictionary<QueueId, WorkState> _states = [];

    private enum WorkState
    {
        Queued,
        Running,
        RunAgain,
    }

    /// <summary>Puts a message in line for a pass; one already in line is not added twice, one being handled is handled again after.</summary>
    public void Enqueue(QueueId id)
    {
        lock (_gate)
        {
            if (_states.TryGetValue(id, out WorkState state))
            {
                if (state == WorkState.Running)
                {
                    _states[id] = WorkState.RunAgain;
                }

                return;
            }

            _states[id] = WorkState.Queued;
        }

        _line.Writer.TryWrite(id);
    }

    /// <summary>
    /// Works every message of <paramref name="queue"/>: those queued now, and each one announced from here on,
    /// with <see cref="RunAsync"/> until <paramref name="stoppingToken"/> is cancelled. It subscribes before it
    /// lists, so nothing committed in between is missed; an id seen twice costs one more pass.
    /// </summary>
    public async Task RunOverAsync(
        IQueueStore queue,
        int workers,
        Func<QueueId, CancellationToken, Task> handle,
        Action<QueueId, Exception> onError,
        Action<QueueId> afterPass,
        CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ChannelReader<QueueId> arrivals = queue.Subscribe(stoppingToken);
        Task pump = PumpAsync(arrivals, stoppingToken);
        Task running = RunAsync(workers, handle, onError, afterPass, stoppingToken);
        try
        {
            foreach (QueueId id in await queue.ListAsync(stoppingToken).ConfigureAwait(false))
            {
                Enqueue(id);
            }

            await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await running.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="workers"/> workers until <paramref name="stoppingToken"/> is cancelled. Each pass is
    /// <paramref name="handle"/>; <paramref name="afterPass"/> runs after every pass, whatever it did. An exception
    /// from <paramref name="handle"/> other than cancellation by <paramref name="stoppingToken"/> is given to
    /// <paramref name="onError"/> and the worker goes on with the next message.
    /// </summary>
    public async Task RunAsync(
        int workers,
        Func<QueueId, CancellationToken, Task> handle,
        Action<QueueId, Exception> onError,
        Action<QueueId> afterPass,
        CancellationToken stoppingToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Task[] running = [.. Enumerable.Range(0, workers).Select(_ => WorkAsync(handle, onError, afterPass, stoppingToken))];
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        finally
        {
            _line.Writer.TryComplete();
        }
    }

    private async Task PumpAsync(ChannelReader<QueueId> arrivals, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (QueueId id in arrivals.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                Enqueue(id);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WorkAsync(
        Func<QueueId, CancellationToken, Task> handle, Action<QueueId, Exception> onError, Action<QueueId> afterPass, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (QueueId id in _line.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    _states[id] = WorkState.Running;
                }

                try
                {
                    await handle(id, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    onError(id, e);
                }
                finally
                {
                    Finish(id);
                    afterPass(id);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Finish(QueueId id)
    {
        bool again;
        lock (_gate)
        {
            again = _states.TryGetValue(id, out WorkState state) && state == WorkState.RunAgain;
            if (again)
            {
                _states[id] = WorkState.Queued;
            }
            else
            {
                _states.Remove(id);
            }
        }

        if (again)
        {
            _line.Writer.TryWrite(id);
        }
    }
}
