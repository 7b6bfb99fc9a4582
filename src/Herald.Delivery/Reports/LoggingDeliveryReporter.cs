// A stand-in delivery reporter that only logs what a DSN would say, until the bounce generator is wired in.
using Herald.Queue;
using Herald.Queue.Reports;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Reports;

/// <summary>
/// Logs each reported recipient at warning level (failed) or information level (delayed, delivered) and
/// sends nothing. It lets the delivery engine run end to end before Herald.Bounces provides the real
/// <see cref="IDeliveryReporter"/>; a sender is not told about failures while it is in place.
/// </summary>
public sealed class LoggingDeliveryReporter : IDeliveryReporter
{
    private readonly ILogger<LoggingDeliveryReporter> _logger;

    public LoggingDeliveryReporter(ILogger<LoggingDeliveryReporter> logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
    }

    public ValueTask ReportAsync(QueuedMessage message, IReadOnlyList<RecipientReport> recipients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        string sender = message.Envelope.Sender?.ToString() ?? string.Empty;
        foreach (RecipientReport report in recipients)
        {
            LogLevel level = report.Action == ReportAction.Failed ? LogLevel.Warning : LogLevel.Information;
            _logger.Log(
                level,
                "{QueueId}: report to <{Sender}>: {Action} <{Recipient}> status={Status} remote-mta={RemoteMta} diagnostic={Diagnostic} explanation={Explanation} (no DSN is sent: no bounce generator configured)",
                message.Id,
                sender,
                report.Action,
                report.Recipient,
                report.Status,
                report.RemoteMta ?? "-",
                report.Diagnostic ?? "-",
                report.Explanation ?? "-");
        }

        return ValueTask.CompletedTask;
    }
}
