// Idle SMTP sessions kept for a short while, so several messages to one host share a connection.
using System.Collections.Concurrent;
using Herald.Protocol.Replies;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Outbound.Smtp;

/// <summary>
/// The connection cache, after Postfix's scache: a session that finished a transaction cleanly is kept
/// idle for <c>Delivery:ConnectionCacheTime</c> and handed to the next delivery to the same address; after
/// <c>Delivery:MaxMessagesPerConnection</c> messages it is closed with QUIT. An idle session has a read
/// pending, so one that the server closed or sent a 421 on is recognised when it is taken and never used.
/// </summary>
internal sealed class SmtpConnectionPool : IAsyncDisposable
{
    /// <summary>The longest wait for QUITs at shutdown.</summary>
    internal static readonly TimeSpan ShutdownWait = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _cacheTime;
    private readonly int _maxDeliveries;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<DeliveryTarget, List<Idle>> _idle = [];
    private readonly ConcurrentDictionary<Task, byte> _closing = new();
    private bool _disposed;

    public SmtpConnectionPool(TimeSpan cacheTime, int maxDeliveriesPerConnection, TimeProvider time, ILogger logger)
    {
        _cacheTime = cacheTime;
        _maxDeliveries = maxDeliveriesPerConnection;
        _time = time;
        _logger = logger;
    }

    /// <summary>Idle sessions held now, for tests.</summary>
    internal int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Values.Sum(l => l.Count);
            }
        }
    }

    /// <summary>
    /// An idle session to <paramref name="target"/> that is still good, or null. Sessions the server closed
    /// or spoke on while idle are dropped here; a reply it sent on its own is logged as what it is.
    /// </summary>
    public async Task<SmtpClientSession?> TakeAsync(DeliveryTarget target, CancellationToken cancellationToken)
    {
        while (true)
        {
            Idle? idle = null;
            lock (_gate)
            {
                if (_idle.TryGetValue(target, out List<Idle>? list) && list.Count > 0)
                {
                    // The most recently used first: it is the least likely to have been timed out by the server.
                    idle = list[^1];
                    list.RemoveAt(list.Count - 1);
                    if (list.Count == 0)
                    {
                        _idle.Remove(target);
                    }
                }
            }

            if (idle is null)
            {
                return null;
            }

            await idle.Timer.DisposeAsync();
            (bool usable, SmtpReply? unsolicited) = await idle.Session.TryResumeAsync(cancellationToken);
            if (usable)
            {
                return idle.Session;
            }

            if (unsolicited is not null)
            {
                // RFC 5321 §3.8: a 421 sent on its own means the server is closing this connection; it is
                // not the answer to anything we are about to send.
                _logger.LogInformation("{Target} closed a cached connection: {Reply}", target, unsolicited);
            }
            else
            {
                _logger.LogDebug("{Target} closed a cached connection", target);
            }

            Track(idle.Session.DisposeAsync().AsTask());
        }
    }

    /// <summary>Takes back a session after a transaction: cached when it can carry more, closed with QUIT otherwise.</summary>
    public void Return(SmtpClientSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.IsUsable)
        {
            Track(session.DisposeAsync().AsTask());
            return;
        }

        lock (_gate)
        {
            if (!_disposed && _cacheTime > TimeSpan.Zero && session.Deliveries < _maxDeliveries)
            {
                session.BeginIdle();
                var idle = new Idle(session, this);
                idle.Timer = _time.CreateTimer(static state => ((Idle)state!).Pool.Expire((Idle)state!), idle, _cacheTime, Timeout.InfiniteTimeSpan);
                if (!_idle.TryGetValue(session.Target, out List<Idle>? list))
                {
                    _idle[session.Target] = list = [];
                }

                list.Add(idle);
                return;
            }
        }

        Track(session.QuitAsync(CancellationToken.None));
    }

    /// <summary>
    /// Closes every cached session with QUIT and waits for the closings under way, at most
    /// <see cref="ShutdownWait"/>: a host that does not answer QUIT must not hold up the shutdown of Herald.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        List<Idle> all;
        lock (_gate)
        {
            _disposed = true;
            all = [.. _idle.Values.SelectMany(l => l)];
            _idle.Clear();
        }

        foreach (Idle idle in all)
        {
            await idle.Timer.DisposeAsync();
            Track(idle.Session.QuitAsync(CancellationToken.None));
        }

        Task closings = Task.WhenAll(_closing.Keys);
        try
        {
            await closings.WaitAsync(ShutdownWait, _time);
        }
        catch (TimeoutException)
        {
            _logger.LogInformation("{Count} connection(s) still closing at shutdown; left to the operating system", _closing.Count);
        }
        catch (Exception) when (closings.IsFaulted)
        {
            // A closing that failed has closed all the same.
        }
    }

    private void Expire(Idle idle)
    {
        lock (_gate)
        {
            if (!_idle.TryGetValue(idle.Session.Target, out List<Idle>? list) || !list.Remove(idle))
            {
                return;
            }

            if (list.Count == 0)
            {
                _idle.Remove(idle.Session.Target);
            }
        }

        idle.Timer.Dispose();
        Track(idle.Session.QuitAsync(CancellationToken.None));
    }

    private void Track(Task closing)
    {
        if (closing.IsCompleted)
        {
            return;
        }

        _closing.TryAdd(closing, 0);
        closing.ContinueWith(
            (t, state) =>
            {
                ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _);
                _ = t.Exception;
            },
            _closing,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private sealed class Idle(SmtpClientSession session, SmtpConnectionPool pool)
    {
        public SmtpClientSession Session { get; } = session;

        public SmtpConnectionPool Pool { get; } = pool;

        public ITimer Timer { get; set; } = null!;
    }
}
