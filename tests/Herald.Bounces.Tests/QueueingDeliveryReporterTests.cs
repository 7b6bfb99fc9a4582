// The bounce generator against a real FileQueueStore: reports are queued from <> and never sent to <>.
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Reports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Herald.Bounces.Tests;

public sealed class QueueingDeliveryReporterTests
{
    private static readonly Mailbox Bob = new("bob", "example.org");
    private static readonly Mailbox Carol = new("carol", "example.net");
    private static readonly RecipientReport BobFailed =
        new(Bob, ReportAction.Failed, "5.1.1", "mx.example.org", "550 5.1.1 User unknown", null, Samples.Attempted);

    [Fact]
    public async Task Failure_IsQueuedFromTheNullSender_ToTheEnvelopeSender()
    {
        FakeTimeProvider clock = Samples.Clock();
        await using TempQueue queue = await TempQueue.OpenAsync(clock);
        QueuedMessage original = await QueueOriginalAsync(queue, Samples.Alice);
        (QueueingDeliveryReporter reporter, _) = Reporter(queue, clock);

        await reporter.ReportAsync(original, [BobFailed], CancellationToken.None);

        QueuedMessage report = await SingleReportAsync(queue, original.Id);
        Assert.Null(report.Envelope.Sender);
        Assert.Equal(Samples.Alice, Assert.Single(report.Envelope.Recipients));
        Assert.Equal(BodyType.SevenBit, report.Envelope.Parameters.Body);
        Assert.False(report.Envelope.Parameters.SmtpUtf8);
        Assert.Equal(clock.GetUtcNow(), report.Envelope.ArrivedAt);
        Assert.Equal(RecipientState.Pending, Assert.Single(report.Recipients).State);

        MimeMessage dsn = await Samples.LoadQueuedAsync(queue.Store, report.Id);
        Assert.Equal("Undelivered Mail Returned to Sender", dsn.Subject);
        Assert.Equal("alice@example.com", Assert.Single(dsn.To.Mailboxes).Address);
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(dsn.Body)[1]);
        Assert.Equal("smtp; 550 5.1.1 User unknown", status.StatusGroups[1]["Diagnostic-Code"]);
        var headers = Assert.IsType<TextRfc822Headers>(((MultipartReport)dsn.Body!)[2]);
        Assert.Equal("Lunch on Friday", headers.Message!.Subject);
    }

    [Fact]
    public async Task Report_IsAnnouncedOnArrivals_SoDeliveryPicksItUp()
    {
        FakeTimeProvider clock = Samples.Clock();
        await using TempQueue queue = await TempQueue.OpenAsync(clock);
        QueuedMessage original = await QueueOriginalAsync(queue, Samples.Alice);
        Assert.True(queue.Store.Arrivals.TryRead(out QueueId first));
        Assert.Equal(original.Id, first);

        await Reporter(queue, clock).Reporter.ReportAsync(original, [BobFailed], CancellationToken.None);

        Assert.True(queue.Store.Arrivals.TryRead(out QueueId announced));
        Assert.Equal((await SingleReportAsync(queue, original.Id)).Id, announced);
    }

    [Fact]
    public async Task FailedAndDelayed_InOneCall_AreTwoReports()
    {
        FakeTimeProvider clock = Samples.Clock();
        await using TempQueue queue = await TempQueue.OpenAsync(clock);
        QueuedMessage original = await QueueOriginalAsync(queue, Samples.Alice, Bob, Carol);
        var carolDelayed = new RecipientReport(Carol, ReportAction.Delayed, "4.4.1", null, null, "No answer from any MX host of example.net.", Samples.Attempted);

        await Reporter(queue, clock).Reporter.ReportAsync(original, [BobFailed, carolDelayed], CancellationToken.None);

        var subjects = new List<string>();
        foreach (QueueId id in (await queue.Store.ListAsync(CancellationToken.None)).Where(id => id != original.Id))
        {
            subjects.Add((await Samples.LoadQueuedAsync(queue.Store, id)).Subject ?? string.Empty);
        }

        Assert.Equal(["Delayed Mail (still being retried)", "Undelivered Mail Returned to Sender"], subjects.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MessageFromNullSender_QueuesNothing_AndLogsOneLine()
    {
        FakeTimeProvider clock = Samples.Clock();
        await using TempQueue queue = await TempQueue.OpenAsync(clock);
        QueuedMessage bounce = await QueueOriginalAsync(queue, null);
        (QueueingDeliveryReporter reporter, CapturingLogger<QueueingDeliveryReporter> logger) = Reporter(queue, clock);

        await reporter.ReportAsync(bounce, [BobFailed], CancellationToken.None);

        Assert.Equal([bounce.Id], await queue.Store.ListAsync(CancellationToken.None));
        (LogLevel level, string line) = Assert.Single(logger.Lines);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains(bounce.Id.Value, line, StringComparison.Ordinal);
        Assert.Contains("<bob@example.org> failed", line, StringComparison.Ordinal);
        Assert.Contains("status=5.1.1", line, StringComparison.Ordinal);
        Assert.Contains("postmaster-copy=none", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageFromNullSender_WithPostmasterCopy_QueuesTheCopyFromNullSender()
    {
        FakeTimeProvider clock = Samples.Clock();
        await using TempQueue queue = await TempQueue.OpenAsync(clock);
        QueuedMessage bounce = await QueueOriginalAsync(queue, null);
        (QueueingDeliveryReporter reporter, CapturingLogger<QueueingDeliveryReporter> logger) = Reporter(queue, clock, "postmaster@herald.test");

        await reporter.ReportAsync(bounce, [BobFailed], CancellationToken.None);

        QueuedMessage copy = await SingleReportAsync(queue, bounce.Id);
        Assert.Null(copy.Envelope.Sender);
        Assert.Equal(new Mailbox("postmaster", "herald.test"), Assert.Single(copy.Envelope.Recipients));
        MimeMessage dsn = await Samples.LoadQueuedAsync(queue.Store, copy.Id);
        Assert.Equal("Postmaster Copy: Undelivered Mail Returned to Sender", dsn.Subject);
        Assert.Equal("postmaster@herald.test", Assert.Single(dsn.To.Mailboxes).Address);
        Assert.Contains(logger.Lines, l => l.Message.Contains("postmaster-copy=<postmaster@herald.test>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReturnFull_StreamsTheWholeOriginal_AndAn8BitOriginalMakesAn8BitReport()
    {
        FakeTimeProvider clock = Samples.Clock();
        await using TempQueue queue = await TempQueue.OpenAsync(clock);
        Envelope envelope = Samples.Envelope(Samples.Alice, Bob) with { Parameters = new MailParameters { Body = BodyType.EightBitMime, Return = DsnReturn.Full } };
        QueueId id = await Samples.CommitAsync(queue.Store, envelope, Samples.Content.Replace("noon", "noon, café?", StringComparison.Ordinal));
        QueuedMessage original = (await queue.Store.ReadAsync(id, CancellationToken.None))!;
        BounceOptions options = Samples.Options();
        var reporter = new QueueingDeliveryReporter(queue.Store, new DsnBuilder(options, clock), options, clock, new CapturingLogger<QueueingDeliveryReporter>());

        await reporter.ReportAsync(original, [BobFailed], CancellationToken.None);

        QueuedMessage report = await SingleReportAsync(queue, id);
        Assert.Equal(BodyType.EightBitMime, report.Envelope.Parameters.Body);
        MimeMessage dsn = await Samples.LoadQueuedAsync(queue.Store, report.Id);
        var returned = Assert.IsType<MessagePart>(((MultipartReport)dsn.Body!)[2]);
        Assert.Equal("8bit", returned.Headers[HeaderId.ContentTransferEncoding]);
        Assert.Contains("Shall we meet at noon, café?", returned.Message!.TextBody!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyReport_QueuesNothing()
    {
        FakeTimeProvider clock = Samples.Clock();
        await using TempQueue queue = await TempQueue.OpenAsync(clock);
        QueuedMessage original = await QueueOriginalAsync(queue, Samples.Alice);

        await Reporter(queue, clock).Reporter.ReportAsync(original, [], CancellationToken.None);

        Assert.Equal([original.Id], await queue.Store.ListAsync(CancellationToken.None));
    }

    private static (QueueingDeliveryReporter Reporter, CapturingLogger<QueueingDeliveryReporter> Logger) Reporter(
        TempQueue queue, TimeProvider clock, string? postmaster = null)
    {
        BounceOptions options = Samples.Options(postmaster);
        var logger = new CapturingLogger<QueueingDeliveryReporter>();
        return (new QueueingDeliveryReporter(queue.Store, new DsnBuilder(options, clock), options, clock, logger), logger);
    }

    private static async Task<QueuedMessage> QueueOriginalAsync(TempQueue queue, Mailbox? sender, params Mailbox[] recipients)
    {
        Envelope envelope = Samples.Envelope(sender, recipients.Length == 0 ? [Bob] : recipients);
        QueueId id = await Samples.CommitAsync(queue.Store, envelope, Samples.Content);
        return (await queue.Store.ReadAsync(id, CancellationToken.None))!;
    }

    private static async Task<QueuedMessage> SingleReportAsync(TempQueue queue, QueueId original)
    {
        QueueId id = Assert.Single(await queue.Store.ListAsync(CancellationToken.None), i => i != original);
        return (await queue.Store.ReadAsync(id, CancellationToken.None))!;
    }
}
