using System.Buffers;
using System.Text;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Tests.Commands;

public sealed class SmtpCommandParserTests
{
    private static readonly SmtpCommandParser Parser = new();

    public static TheoryData<string> ValidCommands() =>
    [
        "EHLO client.example\r\n",
        "HELO [192.0.2.1]\r\n",
        "MAIL FROM:<alice@example.org> SIZE=1000 BODY=8BITMIME\r\n",
        "MAIL FROM:<>\r\n",
        "RCPT TO:<\"john smith\"@example.org>\r\n",
        "RCPT TO:<@relay.example,@other.example:bob@example.org>\r\n",
        "MAIL FROM:<a@b.example> RET=FULL ENVID=QQ+2B1\r\n",
        "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org\r\n",
        "DATA\r\n",
        "RSET\r\n",
        "NOOP\r\n",
        "QUIT\r\n",
        "VRFY bob\r\n",
        "HELP\r\n",
    ];

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void EveryPrefixOfAValidCommand_IsIncomplete_AndConsumesNothing(string command)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(command);
        for (int length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.False(Parser.TryParse(ref buffer, out _, out _), $"prefix of {length} bytes parsed");
            Assert.Equal(length, buffer.Length);
        }

        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.True(Parser.TryParse(ref whole, out CommandParseResult result, out _));
        Assert.NotNull(result.Command);
        Assert.Equal(0, whole.Length);
    }

    [Fact]
    public void CommandSplitOverManySegments_Parses()
    {
        byte[] bytes = "MAIL FROM:<a@b.example>\r\n"u8.ToArray();
        ReadOnlySequence<byte> buffer = Segments.Split(bytes, 1);
        Assert.True(Parser.TryParse(ref buffer, out CommandParseResult result, out _));
        MailCommand mail = Assert.IsType<MailCommand>(result.Command);
        Assert.Equal("a@b.example", mail.ReversePath!.ToString());
    }

    [Fact]
    public void Mail_ParsesParameters()
    {
        MailCommand mail = Parse<MailCommand>("MAIL FROM:<a@b.example> SIZE=12345 BODY=8BITMIME SMTPUTF8");
        Assert.Equal(12345, mail.Parameters.Size);
        Assert.Equal(BodyType.EightBitMime, mail.Parameters.Body);
        Assert.True(mail.Parameters.SmtpUtf8);
    }

    [Fact]
    public void Mail_NullReversePath_GivesNullSender()
    {
        Assert.Null(Parse<MailCommand>("MAIL FROM:<>").ReversePath);
    }

    [Fact]
    public void Mail_LowerCaseAndSpaceAfterColon_AreAccepted()
    {
        Assert.Equal("a@b.example", Parse<MailCommand>("mail from: <a@b.example>").ReversePath!.ToString());
    }

    [Fact]
    public void Rcpt_SourceRoute_IsAcceptedAndIgnored()
    {
        RcptCommand rcpt = Parse<RcptCommand>("RCPT TO:<@hosta.example,@hostb.example:user@example.org>");
        Assert.Equal("user@example.org", rcpt.Recipient.ToString());
    }

    [Fact]
    public void Rcpt_QuotedLocalPart_IsUnquotedAndRequotedOnOutput()
    {
        RcptCommand rcpt = Parse<RcptCommand>("RCPT TO:<\"john \\\"j\\\" smith\"@example.org>");
        Assert.Equal("john \"j\" smith", rcpt.Recipient.LocalPart);
        Assert.Equal("\"john \\\"j\\\" smith\"@example.org", rcpt.Recipient.ToString());
    }

    [Theory]
    [InlineData("RCPT TO:<user@[192.0.2.1]>", "[192.0.2.1]")]
    [InlineData("RCPT TO:<user@[IPv6:2001:db8::1]>", "[IPv6:2001:db8::1]")]
    public void Rcpt_AddressLiterals_Parse(string line, string domain)
    {
        Mailbox recipient = Parse<RcptCommand>(line).Recipient;
        Assert.Equal(domain, recipient.Domain);
        Assert.True(recipient.IsAddressLiteral);
    }

    [Fact]
    public void Rcpt_BarePostmaster_IsAccepted()
    {
        RcptCommand rcpt = Parse<RcptCommand>("RCPT TO:<Postmaster>");
        Assert.Equal(string.Empty, rcpt.Recipient.Domain);
    }

    [Theory]
    [InlineData("RCPT TO:<user@[300.1.1.1]>")]
    [InlineData("RCPT TO:<user@[IPv6:zz::1]>")]
    [InlineData("RCPT TO:<user@example.org.>")]
    [InlineData("RCPT TO:<user@-bad.example>")]
    [InlineData("RCPT TO:<us..er@example.org>")]
    [InlineData("RCPT TO:<user@@example.org>")]
    [InlineData("RCPT TO:<user>")]
    [InlineData("RCPT TO:<>")]
    public void BadAddresses_Get501_5_1_3(string line) => AssertError(line, 501, "5.1.3");

    [Theory]
    [InlineData("MAIL FROM:a@b.example")]
    [InlineData("MAIL FROM:<a@b.example")]
    [InlineData("MAIL TO:<a@b.example>")]
    [InlineData("RCPT FROM:<a@b.example>")]
    [InlineData("EHLO")]
    [InlineData("HELO a b")]
    [InlineData("DATA now")]
    [InlineData("QUIT please")]
    public void BadSyntax_Gets501_5_5_2(string line) => AssertError(line, 501, "5.5.2");

    [Theory]
    [InlineData("MAIL FROM:<a@b.example> FOO=BAR", "FOO")]
    [InlineData("MAIL FROM:<a@b.example> BODY=BINARYMIME", "BODY=BINARYMIME")]
    [InlineData("RCPT TO:<a@b.example> XNOTIFY=NEVER", "XNOTIFY")]
    [InlineData("RCPT TO:<a@b.example> RET=FULL", "RET")]
    [InlineData("MAIL FROM:<a@b.example> NOTIFY=NEVER", "NOTIFY")]
    public void UnknownParameters_Get555_5_5_4(string line, string named)
    {
        SmtpReply error = AssertError(line, 555, "5.5.4");
        Assert.Contains(named, error.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.example> SIZE=abc")]
    [InlineData("MAIL FROM:<a@b.example> SIZE=1 SIZE=2")]
    [InlineData("MAIL FROM:<a@b.example> SMTPUTF8=yes")]
    [InlineData("MAIL FROM:<a@b.example> SIZE=")]
    [InlineData("MAIL FROM:<a@b.example> RET=BODY")]
    [InlineData("MAIL FROM:<a@b.example> RET")]
    [InlineData("MAIL FROM:<a@b.example> RET=FULL RET=HDRS")]
    [InlineData("MAIL FROM:<a@b.example> ENVID=a+2")]
    [InlineData("MAIL FROM:<a@b.example> ENVID=tab+09here")]
    [InlineData("MAIL FROM:<a@b.example> ENVID=é")]
    [InlineData("MAIL FROM:<a@b.example> AUTH=bad+zz")]
    [InlineData("RCPT TO:<a@b.example> NOTIFY=NEVER,SUCCESS")]
    [InlineData("RCPT TO:<a@b.example> NOTIFY=SUCCESS,SUCCESS")]
    [InlineData("RCPT TO:<a@b.example> NOTIFY=SOMETIMES")]
    [InlineData("RCPT TO:<a@b.example> NOTIFY=SUCCESS,")]
    [InlineData("RCPT TO:<a@b.example> NOTIFY")]
    [InlineData("RCPT TO:<a@b.example> NOTIFY=NEVER notify=NEVER")]
    [InlineData("RCPT TO:<a@b.example> ORCPT=a@b.example")]
    [InlineData("RCPT TO:<a@b.example> ORCPT=;a@b.example")]
    [InlineData("RCPT TO:<a@b.example> ORCPT=rfc822;")]
    [InlineData("RCPT TO:<a@b.example> ORCPT=rfc 822;a@b.example")]
    [InlineData("RCPT TO:<a@b.example> ORCPT=rfc822;é@b.example")]
    public void BadParameterValues_Get501_5_5_4(string line) => AssertError(line, 501, "5.5.4");

    [Fact]
    public void Mail_ParsesTheDsnParameters_AndDecodesEnvid()
    {
        MailCommand mail = Parse<MailCommand>("MAIL FROM:<a@b.example> RET=hdrs ENVID=QQ+2B314159+3D");
        Assert.Equal(DsnReturn.Headers, mail.Parameters.Return);
        Assert.Equal("QQ+314159=", mail.Parameters.EnvelopeId);
        Assert.Equal(DsnReturn.Full, Parse<MailCommand>("MAIL FROM:<> RET=FULL").Parameters.Return);
    }

    [Fact]
    public void Mail_WithoutDsnParameters_LeavesThemUnset()
    {
        MailCommand mail = Parse<MailCommand>("MAIL FROM:<a@b.example>");
        Assert.Null(mail.Parameters.Return);
        Assert.Null(mail.Parameters.EnvelopeId);
    }

    [Fact]
    public void Envid_OfMoreThan100Characters_Gets501() =>
        AssertError("MAIL FROM:<a@b.example> ENVID=" + new string('x', 101), 501, "5.5.4");

    [Theory]
    [InlineData("AUTH=<>")]
    [InlineData("AUTH=alice+40example.org")]
    public void Mail_AcceptsTheAuthParameter(string parameter) =>
        Assert.Equal("a@b.example", Parse<MailCommand>("MAIL FROM:<a@b.example> " + parameter).ReversePath!.ToString());

    [Theory]
    [InlineData("NOTIFY=NEVER", DsnNotify.Never)]
    [InlineData("NOTIFY=SUCCESS", DsnNotify.Success)]
    [InlineData("NOTIFY=failure,delay", DsnNotify.Failure | DsnNotify.Delay)]
    [InlineData("NOTIFY=DELAY,SUCCESS,FAILURE", DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay)]
    public void Rcpt_ParsesNotify(string parameter, DsnNotify expected) =>
        Assert.Equal(expected, Parse<RcptCommand>("RCPT TO:<a@b.example> " + parameter).Parameters.Notify);

    [Fact]
    public void Rcpt_ParsesOrcpt_DecodingXtext_AndLowerCasingTheType()
    {
        RcptCommand rcpt = Parse<RcptCommand>("RCPT TO:<a@b.example> ORCPT=RFC822;Bob+2BAlias@example.org NOTIFY=SUCCESS");
        Assert.Equal(new OriginalRecipient("rfc822", "Bob+Alias@example.org"), rcpt.Parameters.OriginalRecipient);
        Assert.Equal(DsnNotify.Success, rcpt.Parameters.Notify);
    }

    [Fact]
    public void Rcpt_TakesRawUtf8_OnlyInAUtf8TypeOrcpt()
    {
        RcptCommand rcpt = Parse<RcptCommand>("RCPT TO:<a@b.example> ORCPT=utf-8;jörg@example.org");
        Assert.Equal(new OriginalRecipient("utf-8", "jörg@example.org"), rcpt.Parameters.OriginalRecipient);
    }

    [Fact]
    public void Rcpt_WithoutParameters_HasNone()
    {
        RcptCommand rcpt = Parse<RcptCommand>("RCPT TO:<a@b.example>");
        Assert.Same(RecipientParameters.None, rcpt.Parameters);
        Assert.True(rcpt.Parameters.Wants(DsnNotify.Failure));
        Assert.True(rcpt.Parameters.Wants(DsnNotify.Delay));
        Assert.False(rcpt.Parameters.Wants(DsnNotify.Success));
    }

    [Fact]
    public void Orcpt_OfMoreThan500Characters_Gets501() =>
        AssertError("RCPT TO:<a@b.example> ORCPT=rfc822;" + new string('x', 490) + "@b.example", 501, "5.5.4");

    [Theory]
    [InlineData(DsnNotify.Never, "NEVER")]
    [InlineData(DsnNotify.Success | DsnNotify.Delay, "SUCCESS,DELAY")]
    [InlineData(DsnNotify.Failure, "FAILURE")]
    public void NotifyValue_RoundTripsThroughTheParser(DsnNotify notify, string value)
    {
        Assert.Equal(value, DsnParameterValues.Notify(notify));
        Assert.Equal(notify, Parse<RcptCommand>("RCPT TO:<a@b.example> NOTIFY=" + value).Parameters.Notify);
    }

    [Fact]
    public void NotifyNever_WantsNothing()
    {
        var never = new RecipientParameters { Notify = DsnNotify.Never };
        Assert.False(never.Wants(DsnNotify.Success) || never.Wants(DsnNotify.Failure) || never.Wants(DsnNotify.Delay));
    }

    [Theory]
    [InlineData("XYZZY")]
    [InlineData("\u00e9HLO host")]
    [InlineData("")]
    [InlineData("MAILFROM:<a@b.example>")]
    [InlineData("STARTTLSX")]
    public void UnknownCommands_Get500_5_5_2(string line) => AssertError(line, 500, "5.5.2");

    [Fact]
    public void NulInArguments_Gets501()
    {
        var buffer = new ReadOnlySequence<byte>("MAIL FROM:<a\0b@example.org>\r\n"u8.ToArray());
        Assert.True(Parser.TryParse(ref buffer, out CommandParseResult result, out _));
        Assert.Equal(501, result.Error!.Code.Value);
    }

    [Fact]
    public void InvalidUtf8InArguments_Gets501()
    {
        var buffer = new ReadOnlySequence<byte>([.. "MAIL FROM:<"u8, 0xC3, 0x28, .. "@example.org>\r\n"u8]);
        Assert.True(Parser.TryParse(ref buffer, out CommandParseResult result, out _));
        Assert.Equal(501, result.Error!.Code.Value);
    }

    [Fact]
    public void Utf8Address_ParsesAndIsMarkedAsNeedingSmtpUtf8()
    {
        MailCommand mail = Parse<MailCommand>("MAIL FROM:<用户@例子.广告> SMTPUTF8");
        Assert.True(mail.ReversePath!.RequiresSmtpUtf8);
    }

    [Fact]
    public void OverlongLine_Gets500_5_5_6_AndTheNextLineStillParses()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("NOOP " + new string('x', 2000) + "\r\nQUIT\r\n");
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(Parser.TryParse(ref buffer, out CommandParseResult result, out bool skip));
        Assert.Equal((500, "5.5.6"), (result.Error!.Code.Value, result.Error.Enhanced.ToString()));
        Assert.True(skip);
        Assert.True(CommandLine.TrySkipRestOfLine(ref buffer));
        Assert.True(Parser.TryParse(ref buffer, out result, out _));
        Assert.IsType<QuitCommand>(result.Command);
    }

    [Fact]
    public void OverlongLine_IsDetectedWithoutItsEnd_SoItCannotGrowWithoutBound()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('A', 600)));
        Assert.True(Parser.TryParse(ref buffer, out CommandParseResult result, out bool skip));
        Assert.True(skip);
        Assert.Equal(500, result.Error!.Code.Value);
    }

    [Fact]
    public void BareLf_EndsACommand_UnderNormalize()
    {
        var buffer = new ReadOnlySequence<byte>("NOOP\nQUIT\r\n"u8.ToArray());
        Assert.True(Parser.TryParse(ref buffer, out CommandParseResult result, out _));
        Assert.IsType<NoopCommand>(result.Command);
        Assert.True(Parser.TryParse(ref buffer, out result, out _));
        Assert.IsType<QuitCommand>(result.Command);
    }

    [Theory]
    [InlineData("NOOP\nQUIT\r\n", "bare <LF>")]
    [InlineData("NOOP\rQUIT\r\n", "bare <CR>")]
    public void BareLineEnds_Get550_5_5_2_UnderReject(string input, string text)
    {
        var parser = new SmtpCommandParser(lineEndings: LineEndingPolicy.Reject);
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input));
        Assert.True(parser.TryParse(ref buffer, out CommandParseResult result, out _));
        Assert.Equal((550, "5.5.2"), (result.Error!.Code.Value, result.Error.Enhanced.ToString()));
        Assert.Contains(text, result.Error.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void CrAtTheEndOfInput_WaitsForTheNextByte()
    {
        var buffer = new ReadOnlySequence<byte>("NOOP\r"u8.ToArray());
        Assert.False(Parser.TryParse(ref buffer, out _, out _));
    }

    private static T Parse<T>(string line)
        where T : SmtpCommand
    {
        CommandParseResult result = SmtpCommandParser.ParseLine(Encoding.UTF8.GetBytes(line));
        Assert.True(result.Command is not null, $"'{line}' failed: {result.Error}");
        return Assert.IsType<T>(result.Command);
    }

    private static SmtpReply AssertError(string line, int code, string enhanced)
    {
        CommandParseResult result = SmtpCommandParser.ParseLine(Encoding.UTF8.GetBytes(line));
        Assert.True(result.Error is not null, $"'{line}' parsed as {result.Command}");
        Assert.Equal((code, enhanced), (result.Error.Code.Value, result.Error.Enhanced.ToString()));
        return result.Error;
    }
}
