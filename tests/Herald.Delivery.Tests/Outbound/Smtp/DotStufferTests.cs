// Dot-stuffing and line ends on the way out, whole and split at every point, against the server's own decoder.
using System.Buffers;
using System.Text;
using Herald.Delivery.Outbound.Smtp;
using Herald.Protocol.Commands;
using Herald.Protocol.Data;

namespace Herald.Delivery.Tests.Outbound.Smtp;

public sealed class DotStufferTests
{
    [Theory]
    [InlineData("", ".\r\n")]
    [InlineData("a\r\n", "a\r\n.\r\n")]
    [InlineData("a", "a\r\n.\r\n")]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    [InlineData(".a\r\n..b\r\nc.d\r\n", "..a\r\n...b\r\nc.d\r\n.\r\n")]
    [InlineData("a\r\n.", "a\r\n..\r\n.\r\n")]
    [InlineData("bare\nlf\n.x\n", "bare\r\nlf\r\n..x\r\n.\r\n")]
    [InlineData("bare\rcr\r.\r", "bare\r\ncr\r\n..\r\n.\r\n")]
    [InlineData("a\r\n.\n.\r\n", "a\r\n..\r\n..\r\n.\r\n")]
    [InlineData("\r\n\r\n", "\r\n\r\n.\r\n")]
    public void Encodes(string content, string wire)
    {
        Assert.Equal(wire, Encode(content, [content.Length]));
    }

    [Theory]
    [InlineData(".a\r\n..b\r\nc.d\r\n")]
    [InlineData("x\r\n.\r\n.\n\r.\r\r\n..\r\n")]
    [InlineData("Subject: t\r\n\r\n.\r\n")]
    public void EverySplit_GivesTheSameBytes(string content)
    {
        string whole = Encode(content, [content.Length]);
        for (int split = 0; split <= content.Length; split++)
        {
            Assert.Equal(whole, Encode(content, [split, content.Length - split]));
        }

        Assert.Equal(whole, Encode(content, [.. Enumerable.Repeat(1, content.Length)]));
    }

    [Theory]
    [InlineData("Subject: t\r\n\r\n.leading\r\n..double\r\n.\r\nend\r\n")]
    [InlineData("no final line end")]
    [InlineData("")]
    public void TheServersDecoder_ReadsBackTheContent(string content)
    {
        string wire = Encode(content, [content.Length]);
        var decoder = new DataDecoder(LineEndingPolicy.Normalize);
        var output = new ArrayBufferWriter<byte>();

        DataDecodeStatus status = decoder.Decode(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(wire)), output, out _);

        Assert.Equal(DataDecodeStatus.Completed, status);
        string expected = content.Length == 0 || content.EndsWith("\r\n", StringComparison.Ordinal) ? content : content + "\r\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private static string Encode(string content, int[] pieces)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        var stuffer = new DotStuffer();
        var output = new ArrayBufferWriter<byte>();
        int offset = 0;
        foreach (int piece in pieces)
        {
            stuffer.Encode(bytes.AsSpan(offset, piece), output);
            offset += piece;
        }

        stuffer.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
