// The DSN extension end to end: parameters given by real clients travel through the queue into the reports the
// sender gets back, parsed with MimeKit field by field.
using Herald.TestSupport.Dns;
using Herald.TestSupport.Processes;
using Herald.TestSupport.Smtp;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Herald.Integration.Tests.Delivery;

public sealed class DsnRoundTripTests
{
    [Fact]
    public async Task SmtplibDsnParameters_ComeBackInTheSuccessAndFailureReports_AndNotifyNeverGetsNone()
    {
        await using LoopbackDnsServer dns = LoopbackDnsServer.Start();
        dns.AddMx("remote.test", 10, "mx1.remote.test").AddA("mx1.remote.test", "127.0.0.2");
        await using ScriptedSmtpPeer mx = ScriptedSmtpPeer.Start(
            "127.0.0.2", new PeerScript { Rcpt = (_, line) => $"550 5.1.1 {line[8..]}: no such user here" }, "mx1.remote.test");
        await using HeraldProcess herald = Relaying(dns, mx);
        await herald.StartAsync();

        // One transaction, three fates: bob@localhost is delivered and asked for a success report, carol@remote.test
        // is refused by the MX and asked for failure reports with the message back, dave@remote.test asked for nothing.
        // sendmail() would give every recipient the same RCPT options; each needs its own, so the transaction
        // is driven command by command.
        string script = $$"""
            import smtplib
            msg = b"From: alice@localhost\r\nTo: bob@localhost\r\nSubject: Quarterly figures\r\nMessage-Id: <q3@client.example>\r\n\r\nThe figures are attached.\r\n"
            with smtplib.SMTP("127.0.0.1", {{herald.Port}}, local_hostname="client.example") as s:
                s.ehlo()
                assert s.has_extn("dsn"), s.esmtp_features
                assert s.mail("alice@localhost", ["RET=FULL", "ENVID=Q3+2Bfigures"])[0] == 250
                assert s.rcpt("bob@localhost", ["NOTIFY=SUCCESS", "ORCPT=rfc822;Bob+2BFinance@localhost"])[0] == 250
                assert s.rcpt("carol@remote.test", ["NOTIFY=FAILURE", "ORCPT=rfc822;carol@remote.test"])[0] == 250
                assert s.rcpt("dave@remote.test", ["NOTIFY=NEVER"])[0] == 250
                code, text = s.data(msg)
                assert code == 250, (code, text)
            print("sent")
            """;
        CommandResult python = await ExternalCommand.RunAsync("python3", ["-c", script]);
        Assert.True(python.ExitCode == 0, python.ToString());

        string[] reports = await herald.WaitForDeliveryAsync("localhost", "alice", 2);
        await herald.WaitForEmptyQueueAsync();
        Assert.Equal(2, herald.Delivered("localhost", "alice").Length);
        Assert.Single(herald.Delivered("localhost", "bob"));

        MimeMessage[] dsns = [.. await Task.WhenAll(reports.Select(f => MimeMessage.LoadAsync(f)))];
        MimeMessage success = Assert.Single(dsns, d => d.Subject == "Successful Mail Delivery Report");
        MimeMessage failure = Assert.Single(dsns, d => d.Subject == "Undelivered Mail Returned to Sender");

        var successReport = Assert.IsType<MultipartReport>(success.Body);
        HeaderList successMessage = StatusGroups(successReport)[0];
        HeaderList bob = Assert.Single(StatusGroups(successReport).Skip(1));
        Assert.Equal("Q3+figures", successMessage["Original-Envelope-Id"]);
        Assert.Equal("rfc822; Bob+Finance@localhost", bob["Original-Recipient"]);
        Assert.Equal("rfc822; bob@localhost", bob["Final-Recipient"]);
        Assert.Equal(("delivered", "2.0.0"), (bob["Action"], bob["Status"]));
        Assert.Equal("text/rfc822-headers", successReport[2].ContentType.MimeType);

        var failureReport = Assert.IsType<MultipartReport>(failure.Body);
        HeaderList carol = Assert.Single(StatusGroups(failureReport).Skip(1));
        Assert.Equal("Q3+figures", StatusGroups(failureReport)[0]["Original-Envelope-Id"]);
        Assert.Equal("rfc822; carol@remote.test", carol["Original-Recipient"]);
        Assert.Equal(("failed", "5.1.1"), (carol["Action"], carol["Status"]));
        Assert.Equal("smtp; 550 5.1.1 <carol@remote.test>: no such user here", carol["Diagnostic-Code"]);
        var returned = Assert.IsType<MessagePart>(failureReport[2]);
        Assert.Equal("Quarterly figures", returned.Message!.Subject);
        Assert.Contains("The figures are attached.", returned.Message.TextBody, StringComparison.Ordinal);

        // The MX host offered no DSN: nothing was passed on to it.
        Assert.All(mx.Connections.SelectMany(c => c.Commands), c => Assert.DoesNotContain("NOTIFY", c, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MailKitDsnRequest_ForALocalRecipient_GetsASuccessReport()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@localhost"));
        message.To.Add(MailboxAddress.Parse("bob@localhost"));
        message.Subject = "Did it arrive?";
        message.Body = new TextPart("plain") { Text = "Tell me when it does." };
        using (var client = new DsnRequestingClient())
        {
            await client.ConnectAsync("127.0.0.1", herald.Port, MailKit.Security.SecureSocketOptions.None);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Dsn));
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        MimeMessage dsn = await MimeMessage.LoadAsync(Assert.Single(await herald.WaitForDeliveryAsync("localhost", "alice")));
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("mailkit-1", StatusGroups(report)[0]["Original-Envelope-Id"]);
        HeaderList bob = StatusGroups(report)[1];
        Assert.Equal(("rfc822; bob@localhost", "delivered"), (bob["Final-Recipient"], bob["Action"]));
        Assert.Equal("Did it arrive?", ((TextRfc822Headers)report[2]).Message!.Subject);
        Assert.Single(herald.Delivered("localhost", "bob"));
    }

    private static HeraldProcess Relaying(LoopbackDnsServer dns, ScriptedSmtpPeer mx) => HeraldProcess.Create(s =>
    {
        s["TrustedNetworks"] = new[] { "127.0.0.0/8" };
        s["Delivery"] = new Dictionary<string, object> { ["Port"] = mx.EndPoint.Port };
        s["Dns"] = new Dictionary<string, object> { ["Servers"] = new[] { dns.ServerAddress } };
    });

    private static HeaderListCollection StatusGroups(MultipartReport report) =>
        Assert.IsType<MessageDeliveryStatus>(report[1]).StatusGroups;

    /// <summary>MailKit's own DSN request: NOTIFY=SUCCESS for every recipient, an envelope id, RET=HDRS.</summary>
    private sealed class DsnRequestingClient : SmtpClient
    {
        public DsnRequestingClient() => DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly;

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
            DeliveryStatusNotification.Success;

        protected override string GetEnvelopeId(MimeMessage message) => "mailkit-1";
    }
}
