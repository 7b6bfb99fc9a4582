// The bounce generator: turns the delivery engine's reports into DSN messages in the queue.
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Reports;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Herald.Bounces;

/// <summary>
/// Implements <see cref="IDeliveryReporter"/> by queueing an RFC 3464 report from the null reverse-path
/// <c>&lt;&gt;</c> (RFC 5321 §4.5.5) to the original envelope sender, so the delivery engine sends it like any
/// other message. Recipients with different actions get separate reports (one bounce, one delay warning),
/// each with its own Subject. A message whose sender is <c>&lt;&gt;</c> is never reported on: the report
/// is logged, and copied to <see cref="BounceOptions.PostmasterCopy"/> when one is configured.
/// </summary>
public sealed class QueueingDeliveryReporter : IDeliveryReporter
{
    private readonly IQueueStore _queue;
    private readonly DsnBuilder _builder;
    private readonly BounceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueingDeliveryReporter> _logger;
    private readonly BounceMetrics _metrics;

    public QueueingDeliveryReporter(
        IQueueStore queue, DsnBuilder builder, BounceOptions options, TimeProvider time, ILogger<QueueingDeliveryReporter> logger, BounceMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _queue = queue;
        _builder = builder;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics ?? BounceMetrics.Unexported;
    }

    /// <summary>Queues the reports; they are committed (durable) when this returns.</summary>
    public async ValueTask ReportAsync(QueuedMessage message, IReadOnlyList<RecipientReport> recipients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            return;
        }

        Mailbox? to = message.Envelope.Sender;
        bool postmasterCopy = false;
        if (to is null)
        {
            // RFC 5321 §4.5.5: no notification is ever sent to the null reverse-path, or two systems could
            // bounce a bounce back and forth for ever.
            to = _options.PostmasterMailbox;
            postmasterCopy = to is not null;
            _logger.LogWarning(
                "{QueueId}: no report to the null sender <> (a bounce is never bounced); recipients={Recipients} status={Status} postmaster-copy={PostmasterCopy}",
                message.Id,
                string.Join(", ", recipients.Select(r => $"<{r.Recipient}> {ActionName(r.Action)}")),
                string.Join(", ", recipients.Select(r => r.Status)),
                to is null ? "none" : $"<{to}>");
            if (to is null)
            {
                foreach (ReportAction action in recipients.Select(r => r.Action).Distinct())
                {
                    _metrics.Suppressed(action);
                }

                return;
            }
        }

        foreach (IGrouping<ReportAction, RecipientReport> group in recipients.GroupBy(r => r.Action).OrderBy(g => g.Key))
        {
            QueueId id = await QueueReportAsync(message, [.. group], to, postmasterCopy, cancellationToken);
            _metrics.Queued(group.Key, postmasterCopy);
            _logger.LogInformation(
                "{QueueId}: {Action} report queued as {ReportId} to <{To}> for {Recipients}",
                message.Id, ActionName(group.Key), id, to, string.Join(", ", group.Select(r => $"<{r.Recipient}> {r.Status}")));
        }
    }

    private static string ActionName(ReportAction action) => action.ToString().ToLowerInvariant();

    private async Task<QueueId> QueueReportAsync(
        QueuedMessage message, IReadOnlyList<RecipientReport> recipients, Mailbox to, bool postmasterCopy, CancellationToken cancellationToken)
    {
        await using Stream original = _queue.OpenContent(message.Id);
        using MimeMessage dsn = await _builder.BuildAsync(message, recipients, to, original, cancellationToken);
        if (postmasterCopy)
        {
            dsn.Subject = "Postmaster Copy: " + dsn.Subject;
        }

        bool eightBit = dsn.BodyParts.OfType<MimePart>().Any(p => p.ContentTransferEncoding is ContentEncoding.EightBit or ContentEncoding.Binary);
        bool international = to.RequiresSmtpUtf8;
        var envelope = new Envelope(
            Sender: null,
            Recipients: [to],
            Parameters: new MailParameters
            {
                Body = eightBit ? BodyType.EightBitMime : BodyType.SevenBit,
                SmtpUtf8 = international,
            },
            Client: new ClientInfo("127.0.0.1", _options.Hostname),
            ArrivedAt: _time.GetUtcNow());

        await using IMessageWriter writer = await _queue.CreateAsync(envelope, cancellationToken);
        FormatOptions format = FormatOptions.Default.Clone();

        // The queue stores CRLF line ends (docs/queue-format.md); RFC 6532 addresses need International.
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = international;
        await using (var stream = new MessageWriterStream(writer))
        {
            await dsn.WriteToAsync(format, stream, cancellationToken);
        }

        await writer.CommitAsync(cancellationToken);
        return writer.Id;
    }
}
