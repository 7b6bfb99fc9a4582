// Session slots under stress: a shorter command timeout, and the idlest session gives way when all are taken.

namespace Herald.Server.Admission;

/// <summary>
/// What Postfix does under stress (<c>smtpd_timeout = ${stress?10}{300}</c>, and postscreen's way of
/// keeping slots for clients that talk): once the sessions in use reach <c>Limits:StressThreshold</c>
/// percent of <c>Limits:MaxConnections</c>, the command timeout becomes <c>Limits:StressCommandTimeout</c>
/// for every session, and when every slot is taken the session idle the longest is closed with
/// <c>421 4.4.2</c> to admit the new connection. A few slow clients can then no longer hold every slot.
/// </summary>
public sealed class SlotPressure
{
    /// <summary>A session is evicted only after this long without a command: a client just greeted gets its turn.</summary>
    public static readonly TimeSpan MinimumIdle = TimeSpan.FromSeconds(1);

    private readonly LimitOptions _limits;
    private readonly ConnectionRegistry _registry;
    private readonly TimeProvider _time;

    public SlotPressure(LimitOptions limits, ConnectionRegistry registry, TimeProvider time)
    {
        _limits = limits;
        _registry = registry;
        _time = time;
    }

    /// <summary>False when there is no total limit or the stress rules are off (<c>StressThreshold = 0</c>).</summary>
    public bool Enabled => _limits.MaxConnections > 0 && _limits.StressThreshold > 0;

    /// <summary>True while the sessions in use are at or over the threshold.</summary>
    public bool IsStressed => Enabled && _registry.Count * 100L >= (long)_limits.MaxConnections * _limits.StressThreshold;

    /// <summary>The wait for the next command now.</summary>
    public TimeSpan CommandTimeout => IsStressed && _limits.StressCommandTimeout < _limits.CommandTimeout
        ? _limits.StressCommandTimeout
        : _limits.CommandTimeout;

    /// <summary>After a session was admitted: under stress, the sessions already waiting get the shorter timeout too.</summary>
    internal void SessionAdded()
    {
        if (!IsStressed || _limits.StressCommandTimeout >= _limits.CommandTimeout)
        {
            return;
        }

        foreach (IIdleSession session in _registry.Snapshot<IIdleSession>())
        {
            session.ShortenCommandTimeout(_limits.StressCommandTimeout);
        }
    }

    /// <summary>Every slot is taken: closes the session idle the longest, if one has been idle long enough.</summary>
    internal bool TryEvictIdlest()
    {
        if (!Enabled)
        {
            return false;
        }

        DateTimeOffset idleBefore = _time.GetUtcNow() - MinimumIdle;
        IEnumerable<IIdleSession> candidates = _registry.Snapshot<IIdleSession>()
            .Where(s => !s.IsReceivingMessage && s.IdleSince <= idleBefore)
            .OrderBy(s => s.IdleSince);
        return candidates.Any(s => s.TryEvict());
    }
}
