// Wakes queued messages when their next attempt is due, with one timer for the whole queue.
using Herald.Queue;

namespace Herald.Delivery.Outbound;

/// <summary>
/// The deferred queue's clock. Each message has at most one wake-up time (the earliest asked for); a
/// single <see cref="ITimer"/> on the given <see cref="TimeProvider"/> is set for the earliest of all, so a
/// queue of a hundred thousand deferred messages holds one timer, not a hundred thousand. A wake-up
/// that comes when nothing is due any more (a message delivered meanwhile) costs one read of the message.
/// </summary>
internal sealed class WakeSchedule : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<QueueId> _wake;
    private readonly Lock _gate = new();
    private readonly Dictionary<QueueId, DateTimeOffset> _due = [];
    private readonly PriorityQueue<QueueId, DateTimeOffset> _order = new();
    private readonly ITimer _timer;
    private DateTimeOffset? _armedFor;
    private bool _disposed;

    public WakeSchedule(TimeProvider time, Action<QueueId> wake)
    {
        _time = time;
        _wake = wake;
        _timer = time.CreateTimer(static state => ((WakeSchedule)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Messages with a wake-up pending, for tests and the queue view.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _due.Count;
            }
        }
    }

    /// <summary>Wakes <paramref name="id"/> at <paramref name="when"/>, unless it is already due to wake earlier.</summary>
    public void At(QueueId id, DateTimeOffset when)
    {
        lock (_gate)
        {
            if (_disposed || (_due.TryGetValue(id, out DateTimeOffset existing) && existing <= when))
            {
                return;
            }

            if (when > _time.GetUtcNow())
            {
                _due[id] = when;
                _order.Enqueue(id, when);
                ArmLocked();
                return;
            }
        }

        // Due already: no timer, and no callback run while the lock is held.
        _wake(id);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _due.Clear();
            _order.Clear();
        }

        _timer.Dispose();
    }

    private void Fire()
    {
        var ready = new List<QueueId>();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _armedFor = null;
            DateTimeOffset now = _time.GetUtcNow();
            while (_order.TryPeek(out QueueId id, out DateTimeOffset when) && when <= now)
            {
                _order.Dequeue();

                // Entries replaced by an earlier time, or already fired, are stale: only the current one counts.
                if (_due.TryGetValue(id, out DateTimeOffset current) && current == when)
                {
                    _due.Remove(id);
                    ready.Add(id);
                }
            }

            ArmLocked();
        }

        foreach (QueueId id in ready)
        {
            _wake(id);
        }
    }

    private void ArmLocked()
    {
        // Drop stale heads so the timer is set for a wake-up that still stands.
        while (_order.TryPeek(out QueueId id, out DateTimeOffset when) && (!_due.TryGetValue(id, out DateTimeOffset current) || current != when))
        {
            _order.Dequeue();
        }

        if (!_order.TryPeek(out _, out DateTimeOffset next))
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _armedFor = null;
            return;
        }

        if (_armedFor == next)
        {
            return;
        }

        _armedFor = next;
        TimeSpan delay = next - _time.GetUtcNow();
        _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }
}
