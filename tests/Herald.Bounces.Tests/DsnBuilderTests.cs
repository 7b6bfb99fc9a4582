// The DSN parsed back with MimeKit and checked field by field against RFC 3464, RFC 6522 and RFC 3834.
using System.Globalization;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Protocol.Knowledge;
using Herald.Protocol.Replies;
using Herald.Queue;
using Herald.Queue.Reports;
using MimeKit;
using MimeKit.Utils;

namespace Herald.Bounces.Tests;

public sealed class DsnBuilderTests
{
    private const string UserUnknown = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table";
    private static readonly Mailbox Bob = new("bob", "example.org");
    private static readonly Mailbox Carol = new("carol", "example.net");
    private static readonly Mailbox Dave = new("dave", "nullmx.example");

    [Fact]
    public async Task Failed_IsAMultipartReport_WithTheThreePartsInOrder()
    {
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org [192.0.2.25]", UserUnknown)]);

        Assert.Equal("multipart/report", dsn.Body!.ContentType.MimeType);
        Assert.Equal("delivery-status", dsn.Body.ContentType.Parameters["report-type"]);
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        var text = Assert.IsType<TextPart>(report[0]);
        Assert.Equal("text/plain", text.ContentType.MimeType);
        Assert.Equal("utf-8", text.ContentType.Charset);
        Assert.Equal("message/delivery-status", Assert.IsType<MessageDeliveryStatus>(report[1]).ContentType.MimeType);
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
    }

    [Fact]
    public async Task Failed_HasTheHeadersOfAnAutomaticReply()
    {
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org", UserUnknown)]);

        MailboxAddress from = Assert.Single(dsn.From.Mailboxes);
        Assert.Equal("Mail Delivery System", from.Name);
        Assert.Equal("MAILER-DAEMON@mx.herald.test", from.Address);
        Assert.Equal("alice@example.com", Assert.Single(dsn.To.Mailboxes).Address);
        Assert.Equal("Undelivered Mail Returned to Sender", dsn.Subject);
        Assert.Equal("auto-replied", dsn.Headers["Auto-Submitted"]);
        Assert.Equal(new DateTimeOffset(2030, 5, 6, 10, 0, 0, TimeSpan.Zero), dsn.Date);
        Assert.EndsWith("@mx.herald.test", dsn.MessageId, StringComparison.Ordinal);
        Assert.Equal("1.0", dsn.Headers[HeaderId.MimeVersion]);
    }

    [Fact]
    public async Task Failed_StatusFields_AreExactlyAsGiven()
    {
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org [192.0.2.25]", UserUnknown)]);
        MessageDeliveryStatus status = StatusOf(dsn);

        Assert.Equal(2, status.StatusGroups.Count);
        HeaderList perMessage = status.StatusGroups[0];
        Assert.Equal("dns; mx.herald.test", perMessage["Reporting-MTA"]);
        Assert.Equal(Samples.Arrived, ParseDate(perMessage["Arrival-Date"]));
        Assert.False(perMessage.Contains("Original-Envelope-Id"));

        HeaderList recipient = status.StatusGroups[1];
        Assert.Equal("rfc822; bob@example.org", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Equal("dns; mx.example.org", recipient["Remote-MTA"]);
        Assert.Equal("smtp; " + UserUnknown, recipient["Diagnostic-Code"]);
        Assert.Equal(Samples.Attempted, ParseDate(recipient["Last-Attempt-Date"]));
        Assert.False(recipient.Contains("Will-Retry-Until"));
    }

    [Fact]
    public async Task Failed_Text_GivesTheReplyAndTheHost_AndExplainsIt_InEnglishThenArabic()
    {
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org [192.0.2.25]", UserUnknown)]);
        string text = TextOf(dsn);

        Assert.Contains("The mail server mx.example.org [192.0.2.25] said:", text, StringComparison.Ordinal);
        Assert.Contains(UserUnknown, text, StringComparison.Ordinal);
        Assert.Contains("<bob@example.org>: not delivered (5.1.1)", text, StringComparison.Ordinal);

        ReplyDescription english = ReplyKnowledge.Default.Describe(EnhancedStatusCode.Parse("5.1.1"), CultureInfo.GetCultureInfo("en"));
        ReplyDescription arabic = ReplyKnowledge.Default.Describe(EnhancedStatusCode.Parse("5.1.1"), CultureInfo.GetCultureInfo("ar"));
        string flat = Flatten(text);
        Assert.Contains(english.Meaning, flat, StringComparison.Ordinal);
        Assert.Contains(english.SenderAction, flat, StringComparison.Ordinal);
        Assert.Contains(arabic.Meaning, flat, StringComparison.Ordinal);
        Assert.Contains(arabic.SenderAction, flat, StringComparison.Ordinal);
        Assert.True(
            flat.IndexOf(english.Meaning, StringComparison.Ordinal) < flat.IndexOf(arabic.Meaning, StringComparison.Ordinal),
            "English comes first, then Arabic.");
        Assert.Contains("قال خادم البريد mx.example.org [192.0.2.25]:", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NullMx_NoRemoteReply_HasNoRemoteFields_AndExplains5_1_10()
    {
        const string why = "The domain nullmx.example publishes a null MX (RFC 7505): it accepts no mail.";
        MimeMessage dsn = await BuildAsync([new RecipientReport(Dave, ReportAction.Failed, "5.1.10", null, null, why, Samples.Attempted)]);

        HeaderList recipient = StatusOf(dsn).StatusGroups[1];
        Assert.Equal("rfc822; dave@nullmx.example", recipient["Final-Recipient"]);
        Assert.Equal("5.1.10", recipient["Status"]);
        Assert.False(recipient.Contains("Remote-MTA"));
        Assert.False(recipient.Contains("Diagnostic-Code"));

        string flat = Flatten(TextOf(dsn));
        Assert.Contains("The mail system at mx.herald.test says: " + why, flat, StringComparison.Ordinal);
        ReplyDescription nullMx = ReplyKnowledge.Default.Describe(EnhancedStatusCode.Parse("5.1.10"), CultureInfo.GetCultureInfo("en"));
        Assert.Contains(nullMx.Meaning, flat, StringComparison.Ordinal);
        Assert.Contains(nullMx.SenderAction, flat, StringComparison.Ordinal);
        Assert.DoesNotContain("said:", flat, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThreeRecipients_OneFailed_TheReportNamesOnlyThatOne()
    {
        Envelope envelope = Samples.Envelope(Samples.Alice, Bob, Carol, Dave);
        MimeMessage dsn = await BuildAsync([Failed(Carol, "5.2.2", "mx.example.net", "552 5.2.2 Mailbox full")], envelope);

        MessageDeliveryStatus status = StatusOf(dsn);
        Assert.Equal(2, status.StatusGroups.Count);
        Assert.Equal("rfc822; carol@example.net", status.StatusGroups[1]["Final-Recipient"]);
        string text = TextOf(dsn);
        Assert.Contains("carol@example.net", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bob@example.org>:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dave@nullmx.example", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delayed_SaysSo_AndUntilWhenItIsRetried()
    {
        const string reply = "451 4.7.1 <bob@example.org>: Recipient address rejected: Greylisted, try again in 300 seconds";
        MimeMessage dsn = await BuildAsync([new RecipientReport(Bob, ReportAction.Delayed, "4.7.1", "mx.example.org", reply, null, Samples.Attempted)]);

        Assert.Equal("Delayed Mail (still being retried)", dsn.Subject);
        HeaderList recipient = StatusOf(dsn).StatusGroups[1];
        Assert.Equal("delayed", recipient["Action"]);
        Assert.Equal("4.7.1", recipient["Status"]);
        Assert.Equal("smtp; " + reply, recipient["Diagnostic-Code"]);
        Assert.Equal(Samples.Arrived + TimeSpan.FromDays(5), ParseDate(recipient["Will-Retry-Until"]));
        string text = TextOf(dsn);
        Assert.Contains("Delivery is still being tried", Flatten(text), StringComparison.Ordinal);
        Assert.Contains("<bob@example.org>: delayed (4.7.1)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivered_HasItsOwnSubject_AndNoAdviceToTheSender()
    {
        MimeMessage dsn = await BuildAsync([new RecipientReport(Bob, ReportAction.Delivered, "2.0.0", "mx.example.org", "250 2.0.0 Ok: queued as 4F2", null, Samples.Attempted)]);

        Assert.Equal("Successful Mail Delivery Report", dsn.Subject);
        Assert.Equal("delivered", StatusOf(dsn).StatusGroups[1]["Action"]);
        Assert.DoesNotContain("What you can do", TextOf(dsn), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OriginalHeaders_AreReturnedExactly_WithoutTheBody()
    {
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org", UserUnknown)]);

        MimeEntity part = ((MultipartReport)dsn.Body!)[2];
        Assert.Equal("text/rfc822-headers", part.ContentType.MimeType);
        string headers = RawContent(part);
        Assert.Equal(
            Samples.Content[..Samples.Content.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Replace("\r\n", "\n", StringComparison.Ordinal),
            headers.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n'));
        Assert.DoesNotContain("noon", headers, StringComparison.Ordinal);
        Assert.Contains("The headers of your message are attached.", TextOf(dsn), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReturnFull_CarriesTheWholeMessage_AsMessageRfc822()
    {
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org", UserUnknown)], WithReturn(DsnReturn.Full));

        var part = Assert.IsType<MessagePart>(((MultipartReport)dsn.Body!)[2]);
        Assert.Equal("message/rfc822", part.ContentType.MimeType);
        Assert.Equal("Lunch on Friday", part.Message!.Subject);
        Assert.Contains("Shall we meet at noon?", part.Message.TextBody!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OriginalEnvelopeId_IsGivenWhenKnown()
    {
        Envelope envelope = Samples.Envelope(Samples.Alice, Bob) with { Parameters = new MailParameters { EnvelopeId = "QQ314159" } };
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org", UserUnknown)], envelope);
        Assert.Equal("QQ314159", StatusOf(dsn).StatusGroups[0]["Original-Envelope-Id"]);
    }

    [Fact]
    public async Task OriginalEnvelopeId_IsAbsent_WhenTheSenderGaveNone()
    {
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org", UserUnknown)]);
        Assert.False(StatusOf(dsn).StatusGroups[0].Contains("Original-Envelope-Id"));
    }

    [Fact]
    public async Task ReturnFull_InADelayReport_ReturnsOnlyTheHeaders()
    {
        // RFC 3461 §4.3: RET=FULL asks for the message back in a report of failure, not in a warning.
        MimeMessage dsn = await BuildAsync([Delayed(Bob)], WithReturn(DsnReturn.Full));
        Assert.Equal("text/rfc822-headers", ((MultipartReport)dsn.Body!)[2].ContentType.MimeType);
    }

    [Fact]
    public async Task OriginalRecipient_ComesFromOrcpt_BeforeFinalRecipient()
    {
        Envelope envelope = Samples.Envelope(Samples.Alice, Carol, Bob) with
        {
            RecipientParameters = [RecipientParameters.None, new RecipientParameters { OriginalRecipient = new OriginalRecipient("rfc822", "Bob.Alias@example.org") }],
        };
        MimeMessage dsn = await BuildAsync([Failed(Carol, "5.1.1", "mx.example.net", UserUnknown), Failed(Bob, "5.1.1", "mx.example.org", UserUnknown)], envelope);

        HeaderList carol = StatusOf(dsn).StatusGroups[1];
        HeaderList bob = StatusOf(dsn).StatusGroups[2];
        Assert.False(carol.Contains("Original-Recipient"));
        Assert.Equal("rfc822; Bob.Alias@example.org", bob["Original-Recipient"]);
        Assert.Equal(["Original-Recipient", "Final-Recipient", "Action", "Status"], bob.Take(4).Select(h => h.Field));
    }

    [Fact]
    public void OriginalRecipientField_KeepsA7BitForm_ForUtf8Addresses() =>
        Assert.Equal("utf-8; j\\x{F6}rg@example.org", DsnBuilder.OriginalRecipientField(new OriginalRecipient("utf-8", "jörg@example.org")));

    [Fact]
    public async Task Relayed_SaysHandedOn_WithTheSuccessSubject()
    {
        MimeMessage dsn = await BuildAsync([new RecipientReport(Bob, ReportAction.Relayed, "2.0.0", "mx.example.org", "250 2.0.0 Ok: queued as 4F2", null, Samples.Attempted)]);

        Assert.Equal("Successful Mail Delivery Report", dsn.Subject);
        Assert.Equal("relayed", StatusOf(dsn).StatusGroups[1]["Action"]);
        string text = TextOf(dsn);
        Assert.Contains("does not send delivery reports", Flatten(text), StringComparison.Ordinal);
        Assert.Contains("<bob@example.org>: handed on (2.0.0)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("What you can do", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MultiLineReply_IsOneDiagnosticLine_AndEveryLineInTheText()
    {
        const string reply =
            "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n" +
            "550-5.1.1 double-checking the recipient's email address for typos or\r\n" +
            "550 5.1.1 unnecessary spaces. For more information, go to the help page.";
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.1.1", "mx.example.org", reply)]);

        Assert.Equal(
            "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550 5.1.1 unnecessary spaces. For more information, go to the help page.",
            StatusOf(dsn).StatusGroups[1]["Diagnostic-Code"]);
        string text = TextOf(dsn);
        Assert.Contains("        550-5.1.1 double-checking the recipient's email address for typos or\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Utf8Recipient_UsesTheUtf8AddressType()
    {
        var jorg = new Mailbox("jörg", "exämple.org");
        MimeMessage dsn = await BuildAsync([Failed(jorg, "5.1.1", "mx.example.org", "550 5.1.1 User unknown")]);
        Assert.Equal("utf-8; j\\x{F6}rg@ex\\x{E4}mple.org", StatusOf(dsn).StatusGroups[1]["Final-Recipient"]);
    }

    [Fact]
    public async Task Status5_0_0_WithABasicCode_IsExplainedByTheBasicCode()
    {
        MimeMessage dsn = await BuildAsync([Failed(Bob, "5.0.0", "mx.example.org", "550 Requested action not taken: mailbox unavailable")]);
        ReplyDescription basic = ReplyKnowledge.Default.Describe(new ReplyCode(550), CultureInfo.GetCultureInfo("en"));
        Assert.Contains(basic.Meaning, Flatten(TextOf(dsn)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status5_0_0_WithoutAReply_GivesOnlyTheExplanation()
    {
        MimeMessage dsn = await BuildAsync([new RecipientReport(Bob, ReportAction.Failed, "5.0.0", null, null, "bounced by the administrator", Samples.Attempted)]);
        string text = TextOf(dsn);
        Assert.Contains("bounced by the administrator", text, StringComparison.Ordinal);
        Assert.DoesNotContain("What this means", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FinalRecipient_EscapesPlusAndEquals_InTheUtf8Form() =>
        Assert.Equal("utf-8; \\x{E9}\\x{2B}x\\x{3D}@d.example", DsnBuilder.FinalRecipient(new Mailbox("é+x=", "d.example")));

    [Fact]
    public void MtaName_DropsTheAddressAfterTheName()
    {
        Assert.Equal("mx.example.org", DsnBuilder.MtaName("mx.example.org [192.0.2.25]"));
        Assert.Equal("mx.example.org", DsnBuilder.MtaName("mx.example.org[192.0.2.25]"));
        Assert.Equal("[192.0.2.25]", DsnBuilder.MtaName("[192.0.2.25]"));
    }

    [Fact]
    public void BounceOptions_Validate_NamesEveryBadKey()
    {
        var options = new BounceOptions { Hostname = "not a host", PostmasterCopy = "nobody", QueueLifetime = TimeSpan.Zero };
        string[] errors = [.. options.Validate()];
        Assert.Equal(3, errors.Length);
        Assert.StartsWith("Herald:Bounces:Hostname:", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Herald:Bounces:PostmasterCopy:", errors[1], StringComparison.Ordinal);
        Assert.StartsWith("Herald:Bounces:QueueLifetime:", errors[2], StringComparison.Ordinal);
        Assert.Empty(Samples.Options("postmaster@herald.test").Validate());
        Assert.Empty(Samples.Options(string.Empty).Validate());
    }

    private static RecipientReport Failed(Mailbox recipient, string status, string remote, string reply) =>
        new(recipient, ReportAction.Failed, status, remote, reply, null, Samples.Attempted);

    private static RecipientReport Delayed(Mailbox recipient) =>
        new(recipient, ReportAction.Delayed, "4.4.1", null, null, "No answer from any MX host.", Samples.Attempted);

    private static Envelope WithReturn(DsnReturn value) =>
        Samples.Envelope(Samples.Alice, Bob) with { Parameters = new MailParameters { Return = value } };

    private static async Task<MimeMessage> BuildAsync(IReadOnlyList<RecipientReport> reports, Envelope? envelope = null)
    {
        envelope ??= Samples.Envelope(Samples.Alice, Bob);
        var builder = new DsnBuilder(Samples.Options(), Samples.Clock());
        await using Stream original = Samples.ContentStream();
        using MimeMessage dsn = await builder.BuildAsync(Samples.Message(envelope), reports, Samples.Alice, original);
        return await Samples.RoundTripAsync(dsn);
    }

    private static MessageDeliveryStatus StatusOf(MimeMessage dsn) => Assert.IsType<MessageDeliveryStatus>(((MultipartReport)dsn.Body!)[1]);

    private static string TextOf(MimeMessage dsn) =>
        Assert.IsType<TextPart>(((MultipartReport)dsn.Body!)[0]).Text!.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>The text with its wrapping undone, to find a knowledge-base sentence whole.</summary>
    private static string Flatten(string text) =>
        string.Join(' ', text.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private static DateTimeOffset ParseDate(string? value) =>
        value is not null && DateUtils.TryParse(value, out DateTimeOffset date) ? date : throw new FormatException(value);

    private static string RawContent(MimeEntity part)
    {
        using var buffer = new MemoryStream();
        if (part is MimePart mime)
        {
            mime.Content!.DecodeTo(buffer);
        }
        else
        {
            ((MessagePart)part).Message!.WriteTo(buffer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
