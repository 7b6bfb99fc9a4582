// Everything an outbound delivery test needs: a real queue, a loopback DNS server, fake time, a recording reporter.
using System.Collections.Concurrent;
using System.Text;
using Herald.Delivery.Outbound;
using Herald.Delivery.Outbound.Destinations;
using Herald.Delivery.Outbound.Smtp;
using Herald.Dns;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.Queue.Reports;
using Herald.TestSupport.Dns;
using Herald.TestSupport.Metrics;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Delivery.Tests.Outbound;

/// <summary>
/// One outbound delivery service over a <see cref="FileQueueStore"/> in a temporary directory, resolving
/// through a <see cref="LoopbackDnsServer"/> (never the machine's resolver), on a <see cref="FakeTimeProvider"/>.
/// Scripted peers are started by the test and named in the DNS zone.
/// </summary>
internal sealed class OutboundHarness : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static readonly DateTimeOffset Start = new(2030, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private readonly TempDirectory _root = new();
    private readonly List<FileQueueStore> _stores = [];
    private readonly List<ScriptedSmtpPeer> _peers = [];
    private OutboundDeliveryService? _service;
    private bool _stopped = true;

    public OutboundHarness()
    {
        Dns = LoopbackDnsServer.Start();
        Options = new DeliveryOptions { HeloName = "herald.test", Port = 25 };
        Options.LocalDomains.Add("localhost");
        Options.LocalDomains.Add("herald.test");
    }

    public ObservedTimeProvider Time { get; } = new(Start);

    public LoopbackDnsServer Dns { get; }

    public DeliveryOptions Options { get; }

    public RecordingReporter Reporter { get; } = new();

    /// <summary>The factory of the service's meters: a MetricCollector scoped to it sees this harness's counts only.</summary>
    public TestMeterFactory Meters { get; } = new();

    public CapturingLogger<OutboundDeliveryService> Logger { get; } = new();

    public InMemoryDestinationState Destinations { get; private set; } = null!;

    public FileQueueStore Store { get; private set; } = null!;

    public OutboundDeliveryService Service => _service ?? throw new InvalidOperationException("Not started.");

    public HandledWatcher Handled { get; private set; } = null!;

    public string QueueDirectory => Path.Combine(_root.Path, "queue");

    /// <summary>Starts peers on one port (which becomes <c>Delivery:Port</c>) at the given loopback addresses.</summary>
    public IReadOnlyList<ScriptedSmtpPeer> StartPeers(PeerScript script, params string[] addresses)
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = ScriptedSmtpPeer.StartGroup(script, addresses, [.. addresses.Select((_, i) => $"mx{i + 1}.example.test")]);
        _peers.AddRange(peers);
        Options.Port = peers[0].EndPoint.Port;
        return peers;
    }

    /// <summary>Opens the queue (a new store over the same directory after <see cref="StopAsync"/>) without starting delivery.</summary>
    public async Task OpenStoreAsync()
    {
        Store = await FileQueueStore.OpenAsync(new QueueStoreOptions(QueueDirectory), Time, NullLogger<FileQueueStore>.Instance, CancellationToken.None);
        _stores.Add(Store);
        _stopped = false;
    }

    /// <summary>Opens the queue and starts the service; after <see cref="StopAsync"/>, a new store and service over the same directory.</summary>
    public async Task StartAsync(IDestinationState? destinations = null)
    {
        if (_stopped)
        {
            await OpenStoreAsync();
        }

        var dnsOptions = new DnsOptions();
        dnsOptions.Servers.Add(Dns.ServerAddress);
        Destinations = destinations as InMemoryDestinationState ?? new InMemoryDestinationState(Options, Time);
        _service = new OutboundDeliveryService(
            Store, Options, new DnsMxResolver(dnsOptions, Time), destinations ?? Destinations, Reporter, Time, Logger, new Random(5321), SmtpTimeouts.Rfc5321,
            new DeliveryMetrics(Meters, destinations ?? Destinations));
        Handled = new HandledWatcher(_service);
        await _service.StartAsync(CancellationToken.None);
    }

    /// <summary>Stops the service and closes the store, as a shutdown (or, to the queue, a crash) would.</summary>
    public async Task StopAsync()
    {
        if (_service is not null)
        {
            await _service.StopAsync(CancellationToken.None);
            _service.Dispose();
            _service = null;
        }

        Store.Dispose();
        _stopped = true;
    }

    public Task<QueueId> CommitAsync(Mailbox? sender, params Mailbox[] recipients) =>
        CommitAsync(sender, recipients, "Subject: test\r\n\r\nHello.\r\n");

    public async Task<QueueId> CommitAsync(
        Mailbox? sender,
        IReadOnlyList<Mailbox> recipients,
        string content,
        DateTimeOffset? arrivedAt = null,
        MailParameters? parameters = null,
        IReadOnlyList<RecipientParameters>? recipientParameters = null)
    {
        var envelope = new Envelope(sender, recipients, parameters ?? MailParameters.None, new ClientInfo("192.0.2.10", "client.example"), arrivedAt ?? Time.GetUtcNow())
        {
            RecipientParameters = recipientParameters ?? [],
        };
        await using IMessageWriter writer = await Store.CreateAsync(envelope, CancellationToken.None);
        await writer.WriteAsync(Encoding.UTF8.GetBytes(content), CancellationToken.None);
        await writer.CommitAsync(CancellationToken.None);
        return writer.Id;
    }

    public async Task<QueuedMessage> ReadAsync(QueueId id) =>
        await Store.ReadAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"{id} is not queued.");

    public async Task<bool> IsQueuedAsync(QueueId id) => await Store.ReadAsync(id, CancellationToken.None) is not null;

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.StopAsync(CancellationToken.None);
            _service.Dispose();
        }

        foreach (ScriptedSmtpPeer peer in _peers)
        {
            await peer.DisposeAsync();
        }

        foreach (FileQueueStore store in _stores)
        {
            store.Dispose();
        }

        await Dns.DisposeAsync();
        Meters.Dispose();
        _root.Dispose();
    }
}

/// <summary>
/// A fake clock that also tells when a timer is set, so that a test can move the clock only once the
/// code under test is waiting on it: no sleeping, no polling.
/// </summary>
internal sealed class ObservedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<(TimeSpan Due, TaskCompletionSource Set)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => w.Due == dueTime).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Set.TrySetResult();
            }
        }

        return timer;
    }

    /// <summary>Completes when a timer due in <paramref name="dueTime"/> is next created.</summary>
    public Task TimerSetAsync(TimeSpan dueTime)
    {
        var set = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((dueTime, set));
        }

        return set.Task.WaitAsync(OutboundHarness.Patience);
    }
}

/// <summary>A delivery reporter that keeps every call; a test can make the next calls throw.</summary>
internal sealed class RecordingReporter : IDeliveryReporter
{
    private readonly ConcurrentQueue<(QueuedMessage Message, IReadOnlyList<RecipientReport> Recipients)> _calls = new();
    private int _failures;

    public IReadOnlyList<(QueuedMessage Message, IReadOnlyList<RecipientReport> Recipients)> Calls => [.. _calls];

    /// <summary>The next <paramref name="count"/> calls throw, as a bounce generator that cannot write would.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failures, count);

    public ValueTask ReportAsync(QueuedMessage message, IReadOnlyList<RecipientReport> recipients, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _failures) >= 0)
        {
            throw new IOException("bounce queue unavailable");
        }

        _calls.Enqueue((message, recipients));
        return ValueTask.CompletedTask;
    }
}

/// <summary>Counts passes of the service over each message and lets a test wait for the n-th.</summary>
internal sealed class HandledWatcher
{
    private readonly Lock _gate = new();
    private readonly Dictionary<QueueId, int> _counts = [];
    private readonly List<(QueueId Id, int Times, TaskCompletionSource Done)> _waiters = [];

    public HandledWatcher(OutboundDeliveryService service) => service.MessageHandled += OnHandled;

    public HandledWatcher(Herald.Delivery.Local.LocalDeliveryService service) => service.MessageHandled += OnHandled;

    public int Count(QueueId id)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(id);
        }
    }

    /// <summary>Waits until the message has been handled <paramref name="times"/> times in all.</summary>
    public Task WaitAsync(QueueId id, int times = 1)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_counts.GetValueOrDefault(id) >= times)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((id, times, done));
        }

        // A guard against a hang, not a timing assertion.
        return done.Task.WaitAsync(OutboundHarness.Patience);
    }

    private void OnHandled(QueueId id)
    {
        lock (_gate)
        {
            int count = _counts.GetValueOrDefault(id) + 1;
            _counts[id] = count;
            foreach (var waiter in _waiters.Where(w => w.Id == id && w.Times <= count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }
}

/// <summary>Log assertions.</summary>
internal static class LogLines
{
    public static bool Any(CapturingLogger<OutboundDeliveryService> logger, LogLevel level, params string[] parts) =>
        logger.Lines.Any(l => l.Level == level && parts.All(p => l.Message.Contains(p, StringComparison.Ordinal)));
}
