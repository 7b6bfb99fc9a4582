// The DSN extension (RFC 3461) on the sending side, over real sockets: what is passed on, and who reports.
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Reports;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Tests.Outbound;

public sealed class DsnTests : IAsyncDisposable
{
    private const string Content = "Subject: dsn\r\n\r\nHello.\r\n";
    private static readonly Mailbox Sender = new("alice", "herald.test");
    private static readonly Mailbox Bob = new("bob", "example.test");
    private static readonly Mailbox Carol = new("carol", "example.test");
    private static readonly RecipientParameters SuccessWithOrcpt = new()
    {
        Notify = DsnNotify.Success | DsnNotify.Failure,
        OriginalRecipient = new OriginalRecipient("rfc822", "Bob+Alias@example.test"),
    };

    private static readonly PeerScript WithDsn = new() { Extensions = [.. new PeerScript().Extensions, "DSN"] };

    private readonly OutboundHarness _h = new();

    public DsnTests() =>
        _h.Dns.AddMx("example.test", 10, "mx1.example.test").AddA("mx1.example.test", "127.0.0.2");

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task NextHopOfferingDsn_IsGivenEveryParameter_AndReportsFromThereOn()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(WithDsn, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(
            Sender, [Bob, Carol], Content,
            parameters: new MailParameters { Return = DsnReturn.Full, EnvelopeId = "env 1+2" },
            recipientParameters: [SuccessWithOrcpt, RecipientParameters.None]);
        await _h.Handled.WaitAsync(id);

        PeerMessage message = Assert.Single(peers[0].Messages);
        Assert.Equal("MAIL FROM:<alice@herald.test> SIZE=24 RET=FULL ENVID=env+201+2B2", message.MailFrom);
        Assert.Equal(
            ["RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2BAlias@example.test", "RCPT TO:<carol@example.test>"],
            message.Recipients);

        // RFC 3461 §6.2.2: the next hop took the request on, so no "relayed" report comes from here.
        Assert.Empty(_h.Reporter.Calls);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task NextHopWithoutDsn_GetsNoDsnParameters_AndNotifySuccessIsReportedRelayed()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(
            Sender, [Bob, Carol], Content,
            parameters: new MailParameters { Return = DsnReturn.Headers, EnvelopeId = "env1" },
            recipientParameters: [SuccessWithOrcpt, RecipientParameters.None]);
        await _h.Handled.WaitAsync(id);

        PeerMessage message = Assert.Single(peers[0].Messages);
        Assert.Equal("MAIL FROM:<alice@herald.test> SIZE=24", message.MailFrom);
        Assert.Equal(["RCPT TO:<bob@example.test>", "RCPT TO:<carol@example.test>"], message.Recipients);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal((Bob, ReportAction.Relayed, "2.0.0"), (report.Recipient, report.Action, report.Status));
        Assert.Equal("250 2.0.0 Ok: queued", report.Diagnostic);
        Assert.Equal("mx1.example.test", report.RemoteMta);
        Assert.All((await _h.Store.ListAsync(CancellationToken.None)).Where(q => q == id), _ => Assert.Fail("the message should have left the queue"));
    }

    [Fact]
    public async Task NotifyNever_PermanentFailure_IsBouncedWithoutAReport_WhileOthersAreReported()
    {
        _h.StartPeers(new PeerScript { Rcpt = (_, _) => "550 5.1.1 No such user" }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(
            Sender, [Bob, Carol], Content, recipientParameters: [new RecipientParameters { Notify = DsnNotify.Never }, RecipientParameters.None]);
        await _h.Handled.WaitAsync(id);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal((Carol, ReportAction.Failed), (report.Recipient, report.Action));
        Assert.False(await _h.IsQueuedAsync(id));
        Assert.True(LogLines.Any(_h.Logger, LogLevel.Information, id.Value, "to=<bob@example.test>", "no failure report", "NOTIFY=NEVER"));
    }

    [Fact]
    public async Task NotifyWithoutDelay_GetsNoDelayWarning_ButTheDefaultRecipientDoes()
    {
        _h.Options.DelayWarningAfter = TimeSpan.FromHours(4);
        _h.StartPeers(new PeerScript { Rcpt = (_, _) => "450 4.2.0 Mailbox busy" }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(
            Sender, [Bob, Carol], Content, _h.Time.GetUtcNow() - TimeSpan.FromHours(5),
            recipientParameters: [new RecipientParameters { Notify = DsnNotify.Failure }, RecipientParameters.None]);
        await _h.Handled.WaitAsync(id);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal((Carol, ReportAction.Delayed), (report.Recipient, report.Action));
        QueuedMessage message = await _h.ReadAsync(id);
        Assert.Equal([false, true], message.Recipients.Select(r => r.DelayReported));
    }

    [Fact]
    public async Task SuccessReportThatCannotBeQueued_StillRecordsTheDelivery_SoNothingIsSentTwice()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();
        _h.Reporter.FailNext(1);

        QueueId id = await _h.CommitAsync(Sender, [Bob], Content, recipientParameters: [SuccessWithOrcpt]);
        await _h.Handled.WaitAsync(id);

        Assert.Single(peers[0].Messages);
        Assert.Empty(_h.Reporter.Calls);
        Assert.False(await _h.IsQueuedAsync(id));
    }
}
