// Destination state in this process: per-host connection slots, push-back halving, suspension with doubling back-off.
namespace Herald.Delivery.Outbound.Destinations;

/// <summary>
/// <see cref="IDestinationState"/> for one Herald process. Each host starts with
/// <c>Delivery:MaxConnectionsPerHost</c> slots. A push-back (a 421, a failed or dropped connection)
/// halves the host's limit (never below 1) and suspends it for a back-off that starts at one minute and
/// doubles with each consecutive push-back up to one hour; deliveries waiting for a slot are told at once
/// and wait for the suspension to end without it counting as an attempt. A success resets the back-off
/// and gives back one slot (additive increase, multiplicative decrease, as TCP and Postfix's destination
/// concurrency feedback do), so a recovered host regains its full concurrency step by step. The rules
/// are <see cref="DestinationRecord.After"/>.
/// </summary>
/// <remarks>
/// In cluster mode the records live in Redis and this class keeps only the slots of this process:
/// <see cref="Adopt"/> takes a record from the shared store as this process's view of its host.
/// </remarks>
public sealed class InMemoryDestinationState : IDestinationState
{
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

    /// <summary><c>Delivery:MaxConnectionsPerHost</c>: the most connections to one host from this process.</summary>
    public int MaxConcurrency => _maxConcurrency;

    public async ValueTask<DestinationLease> AcquireAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        HostState state;
        TaskCompletionSource<bool> waiter;
        lock (_gate)
        {
            state = Get(host);
            if (state.Record.SuspendedAt(_time.GetUtcNow()) is DateTimeOffset until)
            {
                return DestinationLease.Suspended(until);
            }

            if (state.Active < Limit(state))
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
            return DestinationLease.Suspended(state.Record.SuspendedUntil ?? _time.GetUtcNow());
        }
    }

    public ValueTask<DateTimeOffset?> SuspendedUntilAsync(string host, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_hosts.TryGetValue(host, out HostState? state) ? state.Record.SuspendedAt(_time.GetUtcNow()) : null);
        }
    }

    public ValueTask ReportAsync(string host, DestinationEvent kind, string reply, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        DateTimeOffset now = _time.GetUtcNow();
        List<TaskCompletionSource<bool>> suspended;
        lock (_gate)
        {
            HostState state = Get(host);
            state.Record = state.Record.After(kind, reply, now, _maxConcurrency);
            suspended = SettleLocked(state);
            PruneLocked();
        }

        Tell(suspended);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Takes <paramref name="record"/>, kept by a shared store, as what this process knows of its host:
    /// deliveries waiting here learn at once of a suspension another process met, and a raised limit lets
    /// more of them in. The slots in use here are kept.
    /// </summary>
    public void Adopt(DestinationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        List<TaskCompletionSource<bool>> suspended;
        lock (_gate)
        {
            HostState state = Get(record.Host);
            state.Record = record with { Host = state.Name };
            suspended = SettleLocked(state);
        }

        Tell(suspended);
    }

    public ValueTask<IReadOnlyList<DestinationSnapshot>> SnapshotAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            IReadOnlyList<DestinationSnapshot> snapshot =
                [.. _hosts.Values
                    .OrderBy(h => h.Name, StringComparer.Ordinal)
                    .Select(h => DestinationSnapshot.Of(h.Record, h.Active, _maxConcurrency, now))];
            return ValueTask.FromResult(snapshot);
        }
    }

    private int Limit(HostState state) => Math.Min(state.Record.ConcurrencyLimit, _maxConcurrency);

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

    /// <summary>
    /// After the record changed: a suspended host sends every waiter away (they are told outside the lock,
    /// rather than connecting the moment a slot frees up); otherwise waiters get the slots the limit allows.
    /// </summary>
    private List<TaskCompletionSource<bool>> SettleLocked(HostState state)
    {
        if (state.Record.SuspendedAt(_time.GetUtcNow()) is null)
        {
            GrantLocked(state);
            return [];
        }

        List<TaskCompletionSource<bool>> suspended = [.. state.Waiters];
        state.Waiters.Clear();
        return suspended;
    }

    private static void Tell(List<TaskCompletionSource<bool>> suspended)
    {
        foreach (TaskCompletionSource<bool> waiter in suspended)
        {
            waiter.TrySetResult(false);
        }
    }

    private void GrantLocked(HostState state)
    {
        while (state.Active < Limit(state) && state.Waiters.First is { } first && state.Record.SuspendedAt(_time.GetUtcNow()) is null)
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

    private HostState Get(string host)
    {
        if (!_hosts.TryGetValue(host, out HostState? state))
        {
            state = new HostState(DestinationRecord.Fresh(host, _maxConcurrency));
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
            if (state.Active == 0 && state.Waiters.Count == 0 && state.Record.IsUnremarkable(_maxConcurrency))
            {
                _hosts.Remove(state.Name);
            }
        }
    }

    private sealed class HostState(DestinationRecord record)
    {
        public string Name { get; } = record.Host;

        public DestinationRecord Record { get; set; } = record;

        public int Active { get; set; }

        public LinkedList<TaskCompletionSource<bool>> Waiters { get; } = new();
    }
}
