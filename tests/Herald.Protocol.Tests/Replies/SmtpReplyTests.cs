using System.Buffers;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Tests.Replies;

public sealed class SmtpReplyTests
{
    [Fact]
    public void MultiLineReply_UsesDashOnAllButLastLine_AndEnhancedCodeOnEach()
    {
        var reply = new SmtpReply(250, EnhancedStatusCode.Parse("2.0.0"), ["first", "second", "last"]);
        Assert.Equal("250-2.0.0 first\r\n250-2.0.0 second\r\n250 2.0.0 last\r\n", reply.ToWireString());
    }

    [Fact]
    public void ReplyWithoutEnhancedCode_IsWrittenWithCodeAndText()
    {
        var reply = new SmtpReply(220, null, "mx.example ESMTP");
        Assert.Equal("220 mx.example ESMTP\r\n", reply.ToWireString());
    }

    [Theory]
    [InlineData(250, ReplyClass.PositiveCompletion, false, false)]
    [InlineData(354, ReplyClass.PositiveIntermediate, false, false)]
    [InlineData(421, ReplyClass.TransientNegative, true, false)]
    [InlineData(521, ReplyClass.PermanentNegative, false, true)]
    public void Class_IsComputedFromTheCode(int code, ReplyClass expected, bool transient, bool permanent)
    {
        var reply = new SmtpReply(code, null, "x");
        Assert.Equal(expected, reply.Class);
        Assert.Equal(transient, reply.IsTransient);
        Assert.Equal(permanent, reply.IsPermanent);
    }

    [Fact]
    public void EnhancedCodeOfAnotherClass_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new SmtpReply(421, EnhancedStatusCode.Parse("5.3.2"), "x"));
    }

    [Fact]
    public void LineBreakInText_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new SmtpReply(250, null, "a\r\n250 injected"));
    }

    [Theory]
    [InlineData("5.1.10", 5, 1, 10)]
    [InlineData("4.7.1", 4, 7, 1)]
    [InlineData("2.0.0", 2, 0, 0)]
    public void EnhancedStatusCode_Parses(string text, int c, int s, int d)
    {
        EnhancedStatusCode code = EnhancedStatusCode.Parse(text);
        Assert.Equal((c, s, d), (code.Class, code.Subject, code.Detail));
        Assert.Equal(text, code.ToString());
    }

    [Theory]
    [InlineData("3.1.1")]
    [InlineData("5.1")]
    [InlineData("5.1.1.1")]
    [InlineData("5.1000.1")]
    [InlineData("x.1.1")]
    [InlineData("")]
    public void EnhancedStatusCode_RejectsMalformed(string text) => Assert.False(EnhancedStatusCode.TryParse(text, out _));

    [Fact]
    public void Reader_ReadsMultiLineReplyWithEnhancedCodes()
    {
        var buffer = new ReadOnlySequence<byte>("250-2.0.0 a\r\n250 2.0.0 b\r\n421 4.3.2 next"u8.ToArray());
        Assert.True(SmtpReplyReader.TryRead(ref buffer, out SmtpReply? reply));
        Assert.Equal(250, reply!.Code.Value);
        Assert.Equal("2.0.0", reply.Enhanced.ToString());
        Assert.Equal(["a", "b"], reply.Lines);
        Assert.False(SmtpReplyReader.TryRead(ref buffer, out _));
        Assert.Equal("421 4.3.2 next", System.Text.Encoding.ASCII.GetString(buffer.ToArray()));
    }

    [Fact]
    public void Reader_EhloReplyHasNoEnhancedCode()
    {
        var buffer = new ReadOnlySequence<byte>("250-mx.example\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n"u8.ToArray());
        Assert.True(SmtpReplyReader.TryRead(ref buffer, out SmtpReply? reply));
        Assert.Null(reply!.Enhanced);
        Assert.Equal(3, reply.Lines.Count);
    }

    [Fact]
    public void Reader_RejectsGarbage()
    {
        var buffer = new ReadOnlySequence<byte>("HTTP/1.1 400 Bad\r\n"u8.ToArray());
        Assert.Throws<FormatException>(() => SmtpReplyReader.TryRead(ref buffer, out _));
    }
}
