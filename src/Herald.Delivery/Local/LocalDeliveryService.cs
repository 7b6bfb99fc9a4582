// Delivers queued mail for the local domains into Maildir, at start-up and as messages arrive.
using System.Collections.Concurrent;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Reports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Local;

/// <summary>
/// Local delivery. At start it goes through every queued message, then through each id announced on its
/// own <see cref="IQueueStore.Subscribe"/> channel (outbound delivery has another), up to
/// <see cref="LocalDeliveryOptions.MaxConcurrentMessages"/> messages at once and one pass per message at a time
/// (<see cref="MessageWorkQueue"/>). For each message that is not on hold, every recipient in a local
/// domain that is not yet final is written to its Maildir and recorded Delivered; an I/O failure is
/// recorded Deferred and tried again five minutes later. Recipients of other domains are left Pending
/// for outbound delivery. A message whose recipients are all final leaves the queue: both services re-read
/// the message after recording, so whichever of them records last removes it. A recipient whose sender asked
/// NOTIFY=SUCCESS (RFC 3461) is reported "delivered" through the <see cref="IDeliveryReporter"/>.
/// </summary>
public sealed class LocalDeliveryService : BackgroundService
{
    /// <summary>The wait after a failed local delivery, as the first step of the retry schedule.</summary>
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(5);

    private const string LocalHost = "local";

    private readonly IQueueStore _queue;
    private readonly LocalDeliveryOptions _options;
    private readonly ILocalMailbox _mailbox;
    private readonly IDeliveryReporter _reporter;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalDeliveryService> _logger;
    private readonly DeliveryMetrics _metrics;
    private readonly LocalDomains _localDomains;
    private readonly MessageWorkQueue _work = new();
    private readonly ConcurrentDictionary<QueueId, ITimer> _retryTimers = new();

    public LocalDeliveryService(
        IQueueStore queue,
        LocalDeliveryOptions options,
        IDeliveryReporter reporter,
        TimeProvider time,
        ILogger<LocalDeliveryService> logger,
        DeliveryMetrics? metrics = null)
        : this(queue, options, CreateMaildirWriter(options, time), reporter, time, logger, metrics)
    {
    }

    internal LocalDeliveryService(
        IQueueStore queue,
        LocalDeliveryOptions options,
        ILocalMailbox mailbox,
        IDeliveryReporter reporter,
        TimeProvider time,
        ILogger<LocalDeliveryService> logger,
        DeliveryMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(reporter);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Hostname);
        _queue = queue;
        _options = options;
        _mailbox = mailbox;
        _reporter = reporter;
        _time = time;
        _logger = logger;
        _metrics = metrics ?? DeliveryMetrics.Unexported;
        _localDomains = new LocalDomains(options.LocalDomains ?? []);
    }

    /// <summary>Raised after each pass over one message, whatever it did; lets tests wait without polling.</summary>
    internal event Action<QueueId>? MessageHandled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // An id seen twice is harmless: its local recipients are final the second time, or it has left the queue.
        try
        {
            await _work.RunOverAsync(_queue, _options.MaxConcurrentMessages, HandleAsync, OnPassFailed, id => MessageHandled?.Invoke(id), stoppingToken);
        }
        finally
        {
            foreach (ITimer timer in _retryTimers.Values)
            {
                await timer.DisposeAsync();
            }

            _retryTimers.Clear();
        }
    }

    private async Task HandleAsync(QueueId id, CancellationToken stoppingToken)
    {
        if (_retryTimers.TryRemove(id, out ITimer? pending))
        {
            await pending.DisposeAsync();
        }

        await DeliverMessageAsync(id, stoppingToken);
    }

    private void OnPassFailed(QueueId id, Exception e)
    {
        // One bad message must not stop delivery of the others; look at it again later.
        _logger.LogError(e, "{QueueId}: local delivery pass failed; trying again in {Delay}", id, RetryDelay);
        ScheduleRetry(id, RetryDelay);
    }

    private async Task DeliverMessageAsync(QueueId id, CancellationToken stoppingToken)
    {
        QueuedMessage? message = await _queue.ReadAsync(id, stoppingToken);
        if (message is null || message.OnHold)
        {
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset? nextRetry = null;
        bool recorded = false;
        foreach (RecipientStatus status in message.Recipients)
        {
            Mailbox recipient = message.Envelope.Recipients[status.Index];
            if (status.IsFinal || !IsLocal(recipient))
            {
                continue;
            }

            if (status.State == RecipientState.Deferred && status.NextAttempt > now)
            {
                nextRetry = Earliest(nextRetry, status.NextAttempt.Value);
                continue;
            }

            RecipientOutcome outcome = await DeliverOneAsync(message, status.Index, recipient, stoppingToken);
            if (outcome.State == RecipientState.Delivered && message.Envelope.ParametersOf(status.Index).Wants(DsnNotify.Success))
            {
                // Before the record: until then the message cannot be complete, so its content is still there.
                await ReportDeliveredAsync(message, recipient, outcome);
            }

            // Recorded one by one: a crash after the second of three deliveries repeats only the third.
            await _queue.RecordAsync(id, [outcome], stoppingToken);
            recorded = true;
            if (outcome.NextAttempt is DateTimeOffset next)
            {
                nextRetry = Earliest(nextRetry, next);
            }
        }

        if (nextRetry is DateTimeOffset due)
        {
            ScheduleRetry(id, due - now);
        }

        bool complete = recorded ? (await _queue.ReadAsync(id, stoppingToken))?.IsComplete == true : message.IsComplete;
        if (complete)
        {
            await _queue.RemoveAsync(id, stoppingToken);
        }
    }

    private async Task<RecipientOutcome> DeliverOneAsync(QueuedMessage message, int index, Mailbox recipient, CancellationToken stoppingToken)
    {
        // RFC 5321 §4.1.1.3: the bare <Postmaster> is this host's postmaster. A local domain is filed under its
        // configured name, so mail addressed to its U-label and to its A-label form ends in one mailbox.
        Mailbox target = recipient.Domain.Length == 0
            ? new Mailbox(recipient.LocalPart, _options.Hostname)
            : new Mailbox(recipient.LocalPart, _localDomains.Configured(recipient.Domain) ?? recipient.Domain);
        try
        {
            string path;
            await using (Stream content = _queue.OpenContent(message.Id))
            {
                path = await _mailbox.DeliverAsync(message.Envelope.Sender, target, content, stoppingToken);
            }

            string reply = LocalReplies.Delivered.Render(Path.GetFileName(path)).ToString();
            _logger.LogInformation("{QueueId}: to=<{Recipient}>, relay={Relay}, status={Status} ({Reply})", message.Id, target, LocalHost, "sent", reply);
            _metrics.Recipient(DeliveryTransport.Local, DeliveryOutcome.Sent);
            return new RecipientOutcome(index, RecipientState.Delivered, _time.GetUtcNow(), null, reply, LocalHost);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DateTimeOffset at = _time.GetUtcNow();
            string reply = LocalReplies.Failed.Render(e.Message.ReplaceLineEndings(" ")).ToString();
            _logger.LogWarning("{QueueId}: to=<{Recipient}>, relay={Relay}, status={Status} ({Reply}); next attempt at {NextAttempt:O}",
                message.Id, target, LocalHost, "deferred", reply, at + RetryDelay);
            _metrics.Recipient(DeliveryTransport.Local, DeliveryOutcome.Deferred);
            return new RecipientOutcome(index, RecipientState.Deferred, at, at + RetryDelay, reply, LocalHost);
        }
    }

    private async Task ReportDeliveredAsync(QueuedMessage message, Mailbox recipient, RecipientOutcome outcome)
    {
        var report = new RecipientReport(
            recipient, ReportAction.Delivered, LocalReplies.Delivered.Enhanced!.Value.ToString(), RemoteMta: null, Diagnostic: null, Explanation: null, outcome.At);
        try
        {
            await _reporter.ReportAsync(message, [report], CancellationToken.None);
        }
        catch (Exception e)
        {
            // The delivery stands: a success report that never comes is better than the message delivered twice.
            _logger.LogError(e, "{QueueId}: to=<{Recipient}>: the success report (NOTIFY=SUCCESS) could not be queued", message.Id, recipient);
        }
    }

    private static MaildirWriter CreateMaildirWriter(LocalDeliveryOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MaildirWriter(options.DataDirectory, options.Hostname, time);
    }

    private bool IsLocal(Mailbox recipient) => recipient.Domain.Length == 0 || _localDomains.IsLocal(recipient);

    private void ScheduleRetry(QueueId id, TimeSpan delay)
    {
        ITimer timer = _time.CreateTimer(
            static state =>
            {
                var (work, queued) = ((MessageWorkQueue, QueueId))state!;
                work.Enqueue(queued);
            },
            (_work, id),
            delay < TimeSpan.Zero ? TimeSpan.Zero : delay,
            Timeout.InfiniteTimeSpan);
        _retryTimers.AddOrUpdate(id, timer, (_, old) =>
        {
            old.Dispose();
            return timer;
        });
    }

    private static DateTimeOffset Earliest(DateTimeOffset? current, DateTimeOffset candidate) =>
        current is DateTimeOffset c && c <= candidate ? c : candidate;
}
