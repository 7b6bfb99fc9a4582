// The bounce generator counts each report it queues, by action and addressee, and each it may not send.
using Herald.Protocol.Addresses;
using Herald.Queue;
using Herald.Queue.Reports;
using Herald.TestSupport.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Bounces.Tests;

public sealed class BounceMetricsTests : IDisposable
{
    private static readonly Mailbox Bob = new("bob", "example.org");
    private readonly TestMeterFactory _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public async Task QueuedReports_AreCountedByAction_AndReportsOnABounce_AsSuppressed()
    {
        FakeTimeProvider clock = Samples.Clock();
        await using TempQueue queue = await TempQueue.OpenAsync(clock);
        BounceOptions options = Samples.Options();
        var reporter = new QueueingDeliveryReporter(
            queue.Store, new DsnBuilder(options, clock), options, clock, new CapturingLogger<QueueingDeliveryReporter>(), new BounceMetrics(_meters));
        using var queued = new MetricCollector<long>(_meters, BounceMetrics.MeterName, "herald.dsn.queued");
        using var suppressed = new MetricCollector<long>(_meters, BounceMetrics.MeterName, "herald.dsn.suppressed");

        await reporter.ReportAsync(await QueueAsync(queue, Samples.Alice), [Report(ReportAction.Failed), Report(ReportAction.Delayed)], CancellationToken.None);
        await reporter.ReportAsync(await QueueAsync(queue, null), [Report(ReportAction.Failed)], CancellationToken.None);

        Assert.Equal(
            ["failed sender", "delayed sender"],
            queued.GetMeasurementSnapshot().Select(m => $"{m.Tags["action"]} {m.Tags["to"]}"));
        Assert.Equal("failed", Assert.Single(suppressed.GetMeasurementSnapshot()).Tags["action"]);
    }

    private static RecipientReport Report(ReportAction action) =>
        new(Bob, action, action == ReportAction.Failed ? "5.1.1" : "4.4.1", "mx.example.org", null, null, Samples.Attempted);

    private static async Task<QueuedMessage> QueueAsync(TempQueue queue, Mailbox? sender)
    {
        QueueId id = await Samples.CommitAsync(queue.Store, Samples.Envelope(sender, [Bob]), Samples.Content);
        return (await queue.Store.ReadAsync(id, CancellationToken.None))!;
    }
}
