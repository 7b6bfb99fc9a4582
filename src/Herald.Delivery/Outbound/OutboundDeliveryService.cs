// The outbound scheduler: takes queued mail for remote domains, delivers it by SMTP, records and reports each outcome.
using System.Globalization;
using Herald.Delivery.Outbound.Destinations;
using Herald.Delivery.Outbound.Routing;
using Herald.Delivery.Outbound.Smtp;
using Herald.Dns;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Protocol.Replies;
using Herald.Queue;
using Herald.Queue.Reports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Outbound;

/// <summary>
/// Outbound delivery, the sibling of <see cref="Local.LocalDeliveryService"/>. At start it goes through every
/// queued message, then through each id announced on its own <see cref="IQueueStore.Subscribe"/> channel,
/// and a single timer wakes messages whose deferred recipients are due again. A held message is skipped.
/// <para>
/// In each pass over a message, every recipient that is not final, not in a local domain and due is
/// delivered, grouped by domain (see <see cref="DomainDelivery"/>; domains in parallel). Outcomes are
/// recorded in the message's journal: Delivered at once; Failed ones first go to the
/// <see cref="IDeliveryReporter"/> (one call per message per pass, with every recipient that failed in it)
/// and only then are recorded Bounced, so a crash in between repeats the report rather than losing it;
/// Deferred ones get their next attempt from the retry schedule, or fail with 4.4.7 once the queue
/// lifetime is over; one delay warning per message is reported where <c>Delivery:DelayWarningAfter</c> is
/// set, and remembered in the journal. A message whose recipients are all final is removed by whichever
/// delivery service records last.
/// </para>
/// <para>
/// Nothing about a message lives only in memory: after a restart (or a kill -9) the journal says where each
/// recipient stands, and at worst a recipient whose delivery ended just before the crash is tried twice.
/// </para>
/// </summary>
public sealed class OutboundDeliveryService : BackgroundService
{
    private readonly IQueueStore _queue;
    private readonly DeliveryOptions _options;
    private readonly IDeliveryReporter _reporter;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboundDeliveryService> _logger;
    private readonly DeliveryMetrics _metrics;
    private readonly LocalDomains _localDomains;
    private readonly RetrySchedule _retry;
    private readonly SmtpConnectionPool _pool;
    private readonly DomainDelivery _domains;
    private readonly WakeSchedule _wake;
    private readonly MessageWorkQueue _work = new();

    public OutboundDeliveryService(
        IQueueStore queue,
        DeliveryOptions options,
        IMxResolver resolver,
        IDestinationState destinations,
        IDeliveryReporter reporter,
        TimeProvider time,
        ILogger<OutboundDeliveryService> logger,
        DeliveryMetrics? metrics = null)
        : this(queue, options, resolver, destinations, reporter, time, logger, Random.Shared, SmtpTimeouts.Rfc5321, metrics)
    {
    }

    internal OutboundDeliveryService(
        IQueueStore queue,
        DeliveryOptions options,
        IMxResolver resolver,
        IDestinationState destinations,
        IDeliveryReporter reporter,
        TimeProvider time,
        ILogger<OutboundDeliveryService> logger,
        Random random,
        SmtpTimeouts timeouts,
        DeliveryMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(destinations);
        ArgumentNullException.ThrowIfNull(reporter);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(timeouts);
        List<string> errors = [.. options.Validate()];
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _queue = queue;
        _options = options;
        _reporter = reporter;
        _time = time;
        _logger = logger;
        _metrics = metrics ?? DeliveryMetrics.Unexported;
        _localDomains = new LocalDomains(options.LocalDomains);
        _retry = new RetrySchedule(options, random);
        _pool = new SmtpConnectionPool(options.ConnectionCacheTime, options.MaxMessagesPerConnection, time, logger);
        var settings = new SessionSettings(options.HeloName, options.Tls, options.ConnectTimeout, timeouts);
        _domains = new DomainDelivery(new MxRouter(options, resolver), resolver, destinations, _pool, settings, queue, time, logger);
        _wake = new WakeSchedule(time, Enqueue);
    }

    /// <summary>Raised after each pass over one message, whatever it did; lets tests wait without polling.</summary>
    internal event Action<QueueId>? MessageHandled;

    /// <summary>Idle cached connections, for tests of connection reuse.</summary>
    internal int IdleConnections => _pool.IdleCount;

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _work.RunOverAsync(_queue, _options.MaxConcurrentMessages, HandleAsync, OnPassFailed, id => MessageHandled?.Invoke(id), stoppingToken);
        }
        finally
        {
            _wake.Dispose();
            await _pool.DisposeAsync();
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays)
            ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0} day{(span.TotalDays == 1 ? string.Empty : "s")}")
            : span.ToString("c", CultureInfo.InvariantCulture);

    private void Enqueue(QueueId id) => _work.Enqueue(id);

    private void OnPassFailed(QueueId id, Exception e)
    {
        // One bad message must not stop delivery of the others; look at it again later.
        _logger.LogError(e, "{QueueId}: outbound delivery pass failed; trying again in {Delay}", id, _options.MinBackoff);
        _wake.At(id, _time.GetUtcNow() + _options.MinBackoff);
    }

    private async Task HandleAsync(QueueId id, CancellationToken stoppingToken)
    {
        QueuedMessage? message = await _queue.ReadAsync(id, stoppingToken);
        if (message is null || message.OnHold)
        {
            // Gone, or held: a release announces the message again.
            return;
        }

        if (message.IsComplete)
        {
            // All final but still queued: a crash came between the last record and the removal.
            await _queue.RemoveAsync(id, stoppingToken);
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        var due = new List<IndexedRecipient>();
        DateTimeOffset? later = null;
        foreach (RecipientStatus status in message.Recipients)
        {
            Mailbox recipient = message.Envelope.Recipients[status.Index];
            if (status.IsFinal || IsLocal(recipient))
            {
                continue;
            }

            if (status.State == RecipientState.Deferred && status.NextAttempt is DateTimeOffset next && next > now)
            {
                later = Earliest(later, next);
                continue;
            }

            due.Add(new IndexedRecipient(status.Index, recipient));
        }

        if (due.Count > 0)
        {
            IReadOnlyList<RecipientResult>[] perDomain = await Task.WhenAll(
                due.GroupBy(GroupKey, StringComparer.Ordinal)
                   .Select(group => DeliverDomainAsync(message, group.Key, [.. group], stoppingToken)));
            later = Earliest(later, await ConcludeAsync(message, [.. perDomain.SelectMany(r => r)]));
        }

        if (later is DateTimeOffset wake)
        {
            _wake.At(id, wake);
        }
    }

    private async Task<IReadOnlyList<RecipientResult>> DeliverDomainAsync(
        QueuedMessage message, string domain, IReadOnlyList<IndexedRecipient> recipients, CancellationToken stoppingToken)
    {
        try
        {
            return await _domains.DeliverAsync(message, domain, recipients, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // The other domains of the message keep their results; these recipients are simply deferred.
            _logger.LogError(e, "{QueueId}: delivery to {Domain} failed unexpectedly", message.Id, domain);
            return [.. recipients.Select(r =>
            {
                SmtpReply reply = OutboundReplies.LocalError.Render(r.Mailbox, OutboundReplies.OneLine(e.Message));
                return new RecipientResult(r.Index, ResultKind.Deferred, reply, IsRemote: false, RecipientResult.StatusOf(reply), null, null);
            })];
        }
    }

    /// <summary>Turns a pass's results into journal records and reports, in the safe order; returns when to wake next.</summary>
    private async Task<DateTimeOffset?> ConcludeAsync(QueuedMessage message, IReadOnlyList<RecipientResult> results)
    {
        // From here on the work is done: records are written whatever happens to the stopping token.
        CancellationToken none = CancellationToken.None;
        DateTimeOffset at = _time.GetUtcNow();
        DateTimeOffset arrived = message.Envelope.ArrivedAt;
        bool expired = at >= _retry.Expiry(arrived);
        double jitter = _retry.NextJitter();
        var first = new List<RecipientOutcome>();
        var afterReport = new List<RecipientOutcome>();
        var reports = new List<RecipientReport>();
        var deferred = new List<(RecipientResult Result, RecipientOutcome Outcome)>();
        DateTimeOffset? wake = null;

        foreach (RecipientResult result in results)
        {
            RecipientStatus status = message.Recipients[result.Index];
            Mailbox recipient = message.Envelope.Recipients[result.Index];
            RecipientParameters dsn = message.Envelope.ParametersOf(result.Index);
            switch (result.Kind)
            {
                case ResultKind.Delivered:
                    var delivered = new RecipientOutcome(result.Index, RecipientState.Delivered, at, null, result.Reply.ToString(), result.Host);
                    Log(LogLevel.Information, message, recipient, result.Host, "sent", result.Reply.ToString(), null);
                    _metrics.Recipient(DeliveryTransport.Outbound, DeliveryOutcome.Sent);
                    if (dsn.Wants(DsnNotify.Success) && !result.NextHopReports)
                    {
                        // RFC 3461 §6.2.2: the next hop cannot report, so the sender hears "relayed" from here.
                        reports.Add(Report(recipient, ReportAction.Relayed, result, at));
                        afterReport.Add(delivered);
                    }
                    else
                    {
                        first.Add(delivered);
                    }

                    break;

                case ResultKind.Failed:
                    var bounced = new RecipientOutcome(result.Index, RecipientState.Bounced, at, null, result.Reply.ToString(), result.Host);
                    Log(LogLevel.Warning, message, recipient, result.Host, "bounced", result.Reply.ToString(), null);
                    _metrics.Recipient(DeliveryTransport.Outbound, DeliveryOutcome.Bounced);
                    if (ReportsFailure(message, recipient, dsn))
                    {
                        reports.Add(Report(recipient, ReportAction.Failed, result, at));
                        afterReport.Add(bounced);
                    }
                    else
                    {
                        first.Add(bounced);
                    }

                    break;

                case ResultKind.Deferred when expired:
                case ResultKind.Waiting when expired:
                    string last = result.Kind == ResultKind.Deferred ? result.Reply.ToString() : status.LastReply ?? result.Reply.ToString();
                    SmtpReply expiry = OutboundReplies.Expired.Render(Describe(_options.MaxQueueLifetime), OutboundReplies.OneLine(last));
                    var gaveUp = new RecipientOutcome(result.Index, RecipientState.Bounced, at, null, expiry.ToString(), result.Host);
                    Log(LogLevel.Warning, message, recipient, result.Host, "expired", expiry.ToString(), null);
                    _metrics.Recipient(DeliveryTransport.Outbound, DeliveryOutcome.Expired);
                    if (ReportsFailure(message, recipient, dsn))
                    {
                        reports.Add(new RecipientReport(
                            recipient,
                            ReportAction.Failed,
                            expiry.Enhanced!.Value.ToString(),
                            result.RemoteMta,
                            result.Kind == ResultKind.Deferred && result.IsRemote ? result.Reply.ToString() : null,
                            expiry.Text,
                            at));
                        afterReport.Add(gaveUp);
                    }
                    else
                    {
                        first.Add(gaveUp);
                    }

                    break;

                case ResultKind.Deferred:
                    DateTimeOffset next = _retry.Next(status.Attempts + 1, at, arrived, jitter);
                    deferred.Add((result, new RecipientOutcome(result.Index, RecipientState.Deferred, at, next, result.Reply.ToString(), result.Host)));
                    wake = Earliest(wake, next);
                    Log(LogLevel.Information, message, recipient, result.Host, "deferred", result.Reply.ToString(), next);
                    _metrics.Recipient(DeliveryTransport.Outbound, DeliveryOutcome.Deferred);
                    break;

                case ResultKind.Waiting:
                    // Not an attempt: the host is backing off. Nothing is recorded; the message wakes when it may go.
                    wake = Earliest(wake, result.WaitUntil ?? at + _options.MinBackoff);
                    _logger.LogInformation("{QueueId}: to=<{Recipient}>, waiting until {Until:O}: every MX host is backing off", message.Id, recipient, result.WaitUntil);
                    break;

                default:
                    throw new InvalidOperationException("Unknown result kind.");
            }
        }

        // One delay warning per message, once it has waited DelayWarningAfter (RFC 3464 action "delayed"), to
        // the recipients whose sender did not opt out of it with NOTIFY.
        bool warn = _options.DelayWarningsEnabled && !message.DelayReported && deferred.Count > 0
            && at >= arrived + _options.DelayWarningAfter!.Value;
        foreach ((RecipientResult result, RecipientOutcome outcome) in deferred)
        {
            if (warn && message.Envelope.ParametersOf(result.Index).Wants(DsnNotify.Delay))
            {
                reports.Add(Report(message.Envelope.Recipients[result.Index], ReportAction.Delayed, result, at));
                afterReport.Add(outcome with { DelayReported = true });
            }
            else
            {
                first.Add(outcome);
            }
        }

        // Delivered and plain deferred outcomes first: nothing waits on the reporter to be durable.
        bool recorded = await RecordAsync(message.Id, first, none);
        if (reports.Count > 0)
        {
            try
            {
                // A message from the null sender is reported all the same: the reporter decides (it never bounces a bounce).
                await _reporter.ReportAsync(message, reports, none);
            }
            catch (Exception e)
            {
                // Not reported, so not recorded: the failed recipients stay as they were and come back in a
                // while, and the delay warning is still owed. A delivery is recorded all the same: sending the
                // message twice would be worse than a success report that never comes.
                _logger.LogError(e, "{QueueId}: reporting {Count} recipient(s) failed; failures are not recorded and are tried again in {Delay}",
                    message.Id, reports.Count, _options.MinBackoff);
                afterReport = [.. afterReport.Where(o => o.State != RecipientState.Bounced).Select(o => o with { DelayReported = false })];
                wake = Earliest(wake, at + _options.MinBackoff);
            }
        }

        recorded |= await RecordAsync(message.Id, afterReport, none);
        if (recorded && (await _queue.ReadAsync(message.Id, none))?.IsComplete == true)
        {
            // Local delivery does the same after its own records; whichever records last removes the message.
            await _queue.RemoveAsync(message.Id, none);
        }

        return wake;
    }

    private async Task<bool> RecordAsync(QueueId id, List<RecipientOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return false;
        }

        try
        {
            await _queue.RecordAsync(id, outcomes, cancellationToken);
            return true;
        }
        catch (KeyNotFoundException)
        {
            // Deleted by an operator while it was being delivered.
            _logger.LogInformation("{QueueId}: left the queue during delivery; {Count} outcome(s) not recorded", id, outcomes.Count);
            return false;
        }
    }

    /// <summary>Whether the sender is told of this recipient's failure; logs it when the sender asked not to be.</summary>
    private bool ReportsFailure(QueuedMessage message, Mailbox recipient, RecipientParameters dsn)
    {
        if (dsn.Wants(DsnNotify.Failure))
        {
            return true;
        }

        _logger.LogInformation("{QueueId}: to=<{Recipient}>: no failure report: the sender asked NOTIFY={Notify}",
            message.Id, recipient, DsnParameterValues.Notify(dsn.Notify ?? DsnNotify.None));
        return false;
    }

    private static RecipientReport Report(Mailbox recipient, ReportAction action, RecipientResult result, DateTimeOffset at) =>
        new(
            recipient,
            action,
            result.Status,
            result.RemoteMta,
            result.IsRemote ? result.Reply.ToString() : null,
            result.IsRemote
                ? (result.Status == OutboundReplies.NoHostAcceptsMail.Enhanced!.Value.ToString() && result.Kind == ResultKind.Failed
                    ? OutboundReplies.NoHostAcceptsMail.Render(recipient, recipient.Domain, result.Reply.ToString()).Text
                    : null)
                : result.Reply.Text,
            at);

    private void Log(LogLevel level, QueuedMessage message, Mailbox recipient, string? relay, string status, string reply, DateTimeOffset? next)
    {
        TimeSpan delay = _time.GetUtcNow() - message.Envelope.ArrivedAt;
        if (next is DateTimeOffset nextAttempt)
        {
            _logger.Log(level, "{QueueId}: to=<{Recipient}>, relay={Relay}, delay={Delay}, status={Status} ({Reply}); next attempt at {NextAttempt:O}",
                message.Id, recipient, relay ?? "none", delay, status, reply, nextAttempt);
        }
        else
        {
            _logger.Log(level, "{QueueId}: to=<{Recipient}>, relay={Relay}, delay={Delay}, status={Status} ({Reply})",
                message.Id, recipient, relay ?? "none", delay, status, reply);
        }
    }

    /// <summary>The same test as local delivery, so that every recipient belongs to exactly one of the two.</summary>
    private bool IsLocal(Mailbox recipient) => recipient.Domain.Length == 0 || _localDomains.IsLocal(recipient);

    /// <summary>
    /// Recipients that go to the same next hop share one transaction: with a smart host that is all of
    /// them; otherwise those of one domain, as DNS knows it (A-label, lower case; literals as written).
    /// </summary>
    private string GroupKey(IndexedRecipient recipient) =>
        _options.SmartHost is { Length: > 0 } smartHost ? smartHost : DomainKey(recipient.Mailbox);

    private static string DomainKey(Mailbox recipient) =>
        recipient.IsAddressLiteral ? recipient.Domain
        : DomainNames.TryToLookupForm(recipient.Domain, out string? name) ? name
        : recipient.Domain.ToLowerInvariant();
}
