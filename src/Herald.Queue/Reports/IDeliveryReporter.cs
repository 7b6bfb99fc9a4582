// The seam between the delivery engine, which decides outcomes, and the bounce generator, which writes DSNs.
namespace Herald.Queue.Reports;

/// <summary>
/// Receives the outcomes a sender must be told about. The delivery engine calls it; the bounce
/// generator (Herald.Bounces) implements it by queueing an RFC 3464 report to the envelope sender.
/// An implementation never reports on a message from the null sender (a bounce is never bounced).
/// </summary>
public interface IDeliveryReporter
{
    /// <summary>Reports on some recipients of <paramref name="message"/>; the report is durable when this returns.</summary>
    ValueTask ReportAsync(QueuedMessage message, IReadOnlyList<RecipientReport> recipients, CancellationToken cancellationToken);
}
