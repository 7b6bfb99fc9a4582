// Destination state in this process: per-host connection slots, push-back halving, suspension with doubling back-off.
namespace Herald.Delivery.Outbound.Destinations;

/// <summary>
/// <see cref="IDestinationState"/> for one Herald process. Each host starts with
/// <c>Delivery:MaxConnectionsPerHost</c> slots. A push-back (a 421, a failed or dropped connection)
/// halves the host's limit (never below 1) and suspends it for a back-off that starts at one minute and
/// doubles with each consecutive push-back up to one hour; deliveries waiting for a slot are told at once
/// and wait for the suspension to end without it counting as an attempt. A success resets the back-off
/// and gives back one slot (additive increase, multiplicative decrease, as TCP and Postfix's destination
/// concurrency feedback do), so a recovered host regains its full concurrency step by step.
/// </summary>
public sealed class InMemoryDestinationState : IDestinationState
{
    /// <summary>The first suspension after a push-back.</summary>
    public static readonly TimeSpan FirstSuspension = TimeSpan.FromMinutes(1);

    /// <summary>The longest suspension, however many push-backs in a row.</summary>
    public static readonly TimeSpan MaxSuspension = TimeSpan.FromHours(1);

    // Hosts with nothing to remember are forgotten past this many, so the table cannot grow without end.
    private const int PruneAbove = 10_000;

    private readonly int _maxConcurrency;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HostState> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public InMemoryDestinationState(DeliveryOptions options, TimeProvider time)
        : this((options ?? throw new ArgumentNullException(nameof(options))).MaxConnectionsPerHost, time)
    {
    }

    public InMemoryDestinationState(int maxConcurrency, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        ArgumentNullException.ThrowIfNull(time);
        _maxConcurrency = maxConcurrency;
        _time = time;
    }

    public async ValueTask<DestinationLease> AcquireAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        HostState state;
        TaskCompletionSource<bool> waiter;
        lock (_gate)
        {
            state = Get(host);
            if (SuspendedLocked(state) is DateTimeOffset until)
            {
                return DestinationLease.Suspended(until);
            }

            if (state.Active < state.Limit)
            {
                state.Active++;
                return Lease(state);
            }

            waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            state.Waiters.AddLast(waiter);
        }

        using (cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                state.Waiters.Remove(waiter);
            }

            waiter.TrySetCanceled(cancellationToken);
        }))
        {
            if (await waiter.Task)
            {
                return Lease(state);
            }
        }

        lock (_gate)
        {
            return DestinationLease.Suspended(state.SuspendedUntil ?? _time.GetUtcNow());
        }
    }

    public DateTimeOffset? SuspendedUntil(string host)
    {
        lock (_gate)
        {
            return _hosts.TryGetValue(host, out HostState? state) ? SuspendedLocked(state) : null;
        }
    }

    public ValueTask ReportAsync(string host, DestinationEvent kind, string reply, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        DateTimeOffset now = _time.GetUtcNow();
        List<TaskCompletionSource<bool>> suspended = [];
        lock (_gate)
        {
            HostState state = Get(host);
            state.LastReply = reply;
            state.LastEventAt = now;
            switch (kind)
            {
                case DestinationEvent.Success:
                    state.PushBacks = 0;
                    state.SuspendedUntil = null;
                    state.Limit = Math.Min(state.Limit + 1, _maxConcurrency);
                    GrantLocked(state);
                    break;
                case DestinationEvent.PushBack:
                    state.PushBacks++;
                    state.Limit = Math.Max(1, state.Limit / 2);
                    state.SuspendedUntil = now + Backoff(state.PushBacks);

                    // Everyone waiting for this host learns now that it is suspended, rather than
                    // connecting the moment a slot frees up.
                    suspended.AddRange(state.Waiters);
                    state.Waiters.Clear();
                    break;
                default:
                    break;
            }

            PruneLocked();
        }

        foreach (TaskCompletionSource<bool> waiter in suspended)
        {
            waiter.TrySetResult(false);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<DestinationSnapshot>> SnapshotAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<DestinationSnapshot> snapshot =
                [.. _hosts.Values
                    .OrderBy(h => h.Name, StringComparer.Ordinal)
                    .Select(h => new DestinationSnapshot(h.Name, h.Active, h.Limit, _maxConcurrency, SuspendedLocked(h), h.PushBacks, h.LastReply, h.LastEventAt))];
            return ValueTask.FromResult(snapshot);
        }
    }

    /// <summary>One minute after the first push-back, doubling with each further one, at most an hour.</summary>
    internal static TimeSpan Backoff(int consecutivePushBacks)
    {
        int doublings = Math.Clamp(consecutivePushBacks - 1, 0, 30);
        double minutes = FirstSuspension.TotalMinutes * Math.Pow(2, doublings);
        return minutes >= MaxSuspension.TotalMinutes ? MaxSuspension : TimeSpan.FromMinutes(minutes);
    }

    private DestinationLease Lease(HostState state)
    {
        int released = 0;
        return DestinationLease.Acquired(() =>
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                Release(state);
            }
        });
    }

    private void Release(HostState state)
    {
        lock (_gate)
        {
            state.Active--;
            GrantLocked(state);
        }
    }

    private void GrantLocked(HostState state)
    {
        while (state.Active < state.Limit && state.Waiters.First is { } first && SuspendedLocked(state) is null)
        {
            state.Waiters.RemoveFirst();
            state.Active++;
            if (!first.Value.TrySetResult(true))
            {
                // Cancelled just now: its slot goes to the next in line.
                state.Active--;
            }
        }
    }

    private DateTimeOffset? SuspendedLocked(HostState state) =>
        state.SuspendedUntil is DateTimeOffset until && until > _time.GetUtcNow() ? until : null;

    private HostState Get(string host)
    {
        if (!_hosts.TryGetValue(host, out HostState? state))
        {
            state = new HostState(host.ToLowerInvariant(), _maxConcurrency);
            _hosts[host] = state;
        }

        return state;
    }

    private void PruneLocked()
    {
        if (_hosts.Count <= PruneAbove)
        {
            return;
        }

        foreach (HostState state in _hosts.Values.ToList())
        {
            if (state.Active == 0 && state.Waiters.Count == 0 && state.PushBacks == 0 && state.Limit == _maxConcurrency)
            {
                _hosts.Remove(state.Name);
            }
        }
    }

    private sealed class HostState(string name, int limit)
    {
        public string Name { get; } = name;

        public int Active { get; set; }

        public int Limit { get; set; } = limit;

        public DateTimeOffset? SuspendedUntil { get; set; }

        public int PushBacks { get; set; }

        public string? LastReply { get; set; }

        public DateTimeOffset? LastEventAt { get; set; }

        public LinkedList<TaskCompletionSource<bool>> Waiters { get; } = new();
    }
}
