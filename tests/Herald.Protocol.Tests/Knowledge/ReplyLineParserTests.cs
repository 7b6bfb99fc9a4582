// ReplyLineParser on what people actually paste: bare codes, wire replies, DSN fields and MTA log lines.
using Herald.Protocol.Knowledge;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Tests.Knowledge;

public sealed class ReplyLineParserTests
{
    [Theory]
    [InlineData("421", 421, null, "")]
    [InlineData("  550\n", 550, null, "")]
    [InlineData("4.7.1", null, "4.7.1", "")]
    [InlineData("5.1.10", null, "5.1.10", "")]
    [InlineData("421 4.3.2 mx.example.com Service shutting down", 421, "4.3.2", "mx.example.com Service shutting down")]
    [InlineData("550 5.1.1 <x@y>: Recipient address rejected: User unknown", 550, "5.1.1", "<x@y>: Recipient address rejected: User unknown")]
    [InlineData("220 mx.example.com ESMTP Postfix", 220, null, "mx.example.com ESMTP Postfix")]
    [InlineData("521 5.3.2 mail.example.org does not accept mail", 521, "5.3.2", "mail.example.org does not accept mail")]
    [InlineData("354 End data with <CR><LF>.<CR><LF>", 354, null, "End data with <CR><LF>.<CR><LF>")]
    public void TryParse_ReplyLines(string input, int? code, string? enhanced, string text) =>
        AssertParsed(input, code, enhanced, text);

    [Fact]
    public void TryParse_MultiLineReply_TakesTheCodesOnceAndJoinsTheText()
    {
        const string gmail =
            "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n" +
            "550-5.1.1 double-checking the recipient's email address for typos or\r\n" +
            "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser a1si123.456 - gsmtp\r\n";

        AssertParsed(gmail, 550, "5.1.1",
            "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser a1si123.456 - gsmtp");
    }

    [Fact]
    public void TryParse_EhloReply_WithoutEnhancedCodes() =>
        AssertParsed("250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250 ENHANCEDSTATUSCODES", 250, null,
            "mx.example.com PIPELINING SIZE 10240000 ENHANCEDSTATUSCODES");

    [Fact]
    public void TryParse_StopsAtTheEndOfTheFirstReply() =>
        AssertParsed("250 2.1.0 Ok\n550 5.1.1 User unknown", 250, "2.1.0", "Ok");

    [Theory]
    [InlineData("Diagnostic-Code: smtp; 550 5.1.1 <x@y>: Recipient address rejected: User unknown", 550, "5.1.1", "<x@y>: Recipient address rejected: User unknown")]
    [InlineData("diagnostic-code: SMTP;421 4.7.0 mx.example.com Error: too many connections from 192.0.2.1", 421, "4.7.0", "mx.example.com Error: too many connections from 192.0.2.1")]
    [InlineData("Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found", null, null, null)]
    [InlineData("Status: 5.2.2", null, "5.2.2", "")]
    public void TryParse_DeliveryStatusNotificationFields(string input, int? code, string? enhanced, string? text)
    {
        if (code is null && enhanced is null)
        {
            Assert.False(ReplyLineParser.TryParse(input, out _));
            return;
        }

        AssertParsed(input, code, enhanced, text!);
    }

    [Fact]
    public void TryParse_PostfixBounceLogLine()
    {
        const string line = "Mar  3 10:15:02 mx postfix/smtp[2231]: 4F2A1C0: to=<bob@example.net>, relay=mx.example.net[192.0.2.25]:25, " +
            "delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.25] said: " +
            "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command))";

        AssertParsed(line, 550, "5.1.1", "<bob@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command))");
    }

    [Fact]
    public void TryParse_PostfixDeferralWithoutRemoteEnhancedCode_TakesDsnAndSaidCode()
    {
        const string line = "Mar  3 10:16:40 mx postfix/smtp[2240]: 51B2D: to=<carol@example.org>, relay=mx.example.org[198.51.100.7]:25, " +
            "delay=301, delays=0.1/0/0.3/300, dsn=4.0.0, status=deferred (host mx.example.org[198.51.100.7] said: " +
            "421 Service temporarily unavailable (in reply to end of DATA command))";

        Assert.True(ReplyLineParser.TryParse(line, out ParsedReply? reply));
        Assert.Equal(new ReplyCode(421), reply.Code);
        Assert.Equal(EnhancedStatusCode.Parse("4.0.0"), reply.Enhanced);
    }

    [Fact]
    public void TryParse_EximRejection() =>
        AssertParsed("SMTP error from remote mail server after RCPT TO:<dave@example.com>: 550 5.7.1 Service unavailable; client [203.0.113.9] blocked using zen.spamhaus.org",
            550, "5.7.1", "Service unavailable; client [203.0.113.9] blocked using zen.spamhaus.org");

    [Fact]
    public void TryParse_ExchangeNdrText() =>
        AssertParsed("Remote Server returned '550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized'",
            550, "5.7.1", "RESOLVER.RST.NotAuthorized; not authorized'");

    [Fact]
    public void TryParse_ThreeDigitDetail() =>
        AssertParsed("550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.", 550, "5.7.708",
            "Service unavailable. Access denied, traffic not accepted from this IP.");

    [Theory]
    [InlineData("")]
    [InlineData("   \n ")]
    [InlineData(null)]
    [InlineData("hello world")]
    [InlineData("600 not a reply code")]
    [InlineData("299")]
    [InlineData("42")]
    [InlineData("4210")]
    [InlineData("3.1.1")]
    [InlineData("connect to 192.0.2.1:25: Connection refused")]
    [InlineData("connect to mx.example.com[4.5.6.7]:25: Connection timed out")]
    [InlineData("Postfix 3.7.11 on Debian")]
    public void TryParse_TextWithoutCodes_IsRefused(string? input) =>
        Assert.False(ReplyLineParser.TryParse(input, out _));

    [Fact]
    public void TryParse_EveryCatalogReplyOnTheWire_GivesBackItsCodes()
    {
        foreach (ReplyTemplate template in SmtpReplies.All)
        {
            SmtpReply reply = template.Render("mx.example.com", "<x@example.org>", "60", "extra");
            Assert.True(ReplyLineParser.TryParse(reply.ToWireString(), out ParsedReply? parsed), template.Name);
            Assert.Equal(template.Code, parsed.Code);
            Assert.Equal(template.Enhanced, parsed.Enhanced);
            Assert.Equal(reply.Text, parsed.Text);
        }
    }

    private static void AssertParsed(string input, int? code, string? enhanced, string text)
    {
        Assert.True(ReplyLineParser.TryParse(input, out ParsedReply? reply), input);
        Assert.Equal(code is { } c ? new ReplyCode(c) : null, reply.Code);
        Assert.Equal(enhanced is { } e ? EnhancedStatusCode.Parse(e) : null, reply.Enhanced);
        Assert.Equal(text, reply.Text);
    }
}
