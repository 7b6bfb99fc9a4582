using System.Buffers;
using System.Text;
using Herald.Protocol.Commands;
using Herald.Protocol.Data;

namespace Herald.Protocol.Tests.Data;

public sealed class DataDecoderTests
{
    [Fact]
    public void Message_EndsOnCrLfDotCrLf_AndLeavesWhatFollows()
    {
        (string body, bool done, string rest) = Decode("Subject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n");
        Assert.True(done);
        Assert.Equal("Subject: x\r\n\r\nhello\r\n", body);
        Assert.Equal("QUIT\r\n", rest);
    }

    [Fact]
    public void EmptyMessage_EndsOnAnImmediateDot()
    {
        (string body, bool done, _) = Decode(".\r\n");
        Assert.True(done);
        Assert.Equal(string.Empty, body);
    }

    [Fact]
    public void DotStuffing_IsRemoved()
    {
        (string body, bool done, _) = Decode("..leading dot\r\n...two\r\nmid.dle\r\n.\r\n");
        Assert.True(done);
        Assert.Equal(".leading dot\r\n..two\r\nmid.dle\r\n", body);
    }

    // The published SMTP smuggling end-of-data variants: none of them may end the message.
    [Fact]
    public void Data_LfDotLf_DoesNotEndMessage() => AssertNotEnded("a\n.\nMAIL FROM:<x@evil.example>\r\n");

    [Fact]
    public void Data_LfDotCrLf_DoesNotEndMessage() => AssertNotEnded("a\n.\r\nMAIL FROM:<x@evil.example>\r\n");

    [Fact]
    public void Data_CrLfDotLf_DoesNotEndMessage() => AssertNotEnded("a\r\n.\nMAIL FROM:<x@evil.example>\r\n");

    [Fact]
    public void Data_CrDotCr_DoesNotEndMessage() => AssertNotEnded("a\r.\rMAIL FROM:<x@evil.example>\r\n");

    [Fact]
    public void Data_CrLfDotCr_DoesNotEndMessage() => AssertNotEnded("a\r\n.\rMAIL FROM:<x@evil.example>\r\n");

    [Fact]
    public void Data_LfDotCr_DoesNotEndMessage() => AssertNotEnded("a\n.\rMAIL FROM:<x@evil.example>\r\n");

    [Fact]
    public void Data_CrDotLf_DoesNotEndMessage() => AssertNotEnded("a\r.\nMAIL FROM:<x@evil.example>\r\n");

    [Fact]
    public void SmugglingAttempt_IsStoredInsideTheMessage_AndTheRealEndStillWorks()
    {
        (string body, bool done, string rest) = Decode("a\n.\nMAIL FROM:<x@evil.example>\r\n.\r\nNOOP\r\n");
        Assert.True(done);
        Assert.Equal("a\r\n\r\nMAIL FROM:<x@evil.example>\r\n", body);
        Assert.Equal("NOOP\r\n", rest);
    }

    [Fact]
    public void BareLineEnds_AreStoredAsCrLf_AndRecorded()
    {
        var decoder = new DataDecoder(LineEndingPolicy.Normalize);
        (string body, bool done, _) = Decode("one\ntwo\rthree\r\n.\r\n", decoder);
        Assert.True(done);
        Assert.Equal("one\r\ntwo\r\nthree\r\n", body);
        Assert.Equal(LineEnding.BareLf, decoder.BareLineEnding);
    }

    [Fact]
    public void CleanMessage_RecordsNoBareLineEnd()
    {
        var decoder = new DataDecoder(LineEndingPolicy.Reject);
        Decode("one\r\ntwo\r\n.\r\n", decoder);
        Assert.Null(decoder.BareLineEnding);
    }

    public static TheoryData<string> Messages() =>
    [
        "Subject: x\r\n\r\nhello\r\n.\r\n",
        "..a\r\n.b\r\n\r\n..\r\n.\r\n",
        "a\n.\nb\r.\rc\r\n.\nd\r\n.\r\n",
        ".\r\n",
        "x\r\n\r\n.\r\n",
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void ByteAtATime_GivesTheSameResultAsAllAtOnce(string message)
    {
        (string whole, bool doneWhole, _) = Decode(message);
        (string trickled, bool doneTrickled) = DecodeByteAtATime(message);
        Assert.Equal(doneWhole, doneTrickled);
        Assert.Equal(whole, trickled);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void SplitIntoSegments_GivesTheSameResultAsAllAtOnce(string message)
    {
        (string whole, _, _) = Decode(message);
        var decoder = new DataDecoder(LineEndingPolicy.Normalize);
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(DataDecodeStatus.Completed, decoder.Decode(Segments.Split(Encoding.ASCII.GetBytes(message), 1), output, out _));
        Assert.Equal(whole, Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void BytesWritten_CountsTheStoredSize()
    {
        var decoder = new DataDecoder(LineEndingPolicy.Normalize);
        Decode("..ab\r\n.\r\n", decoder);
        Assert.Equal(5, decoder.BytesWritten);
    }

    [Fact]
    public void DiscardingOutput_StillFindsTheEnd()
    {
        var decoder = new DataDecoder(LineEndingPolicy.Normalize);
        var input = new ReadOnlySequence<byte>("big\r\nbody\r\n.\r\n"u8.ToArray());
        Assert.Equal(DataDecodeStatus.Completed, decoder.Decode(input, null, out _));
    }

    private static void AssertNotEnded(string input)
    {
        (_, bool done, _) = Decode(input);
        Assert.False(done);
        (_, done) = DecodeByteAtATime(input);
        Assert.False(done);
    }

    private static (string Body, bool Done, string Remaining) Decode(string input, DataDecoder? decoder = null)
    {
        decoder ??= new DataDecoder(LineEndingPolicy.Normalize);
        var output = new ArrayBufferWriter<byte>();
        var sequence = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input));
        DataDecodeStatus status = decoder.Decode(sequence, output, out SequencePosition consumed);
        return (Encoding.ASCII.GetString(output.WrittenSpan), status == DataDecodeStatus.Completed, Encoding.ASCII.GetString(sequence.Slice(consumed).ToArray()));
    }

    /// <summary>Feeds the decoder as a pipe would: unconsumed bytes are offered again with the next one.</summary>
    private static (string Body, bool Done) DecodeByteAtATime(string input)
    {
        var decoder = new DataDecoder(LineEndingPolicy.Normalize);
        var output = new ArrayBufferWriter<byte>();
        byte[] bytes = Encoding.ASCII.GetBytes(input);
        int start = 0;
        for (int end = 1; end <= bytes.Length; end++)
        {
            var sequence = new ReadOnlySequence<byte>(bytes, start, end - start);
            DataDecodeStatus status = decoder.Decode(sequence, output, out SequencePosition consumed);
            start += (int)sequence.Slice(0, consumed).Length;
            if (status == DataDecodeStatus.Completed)
            {
                return (Encoding.ASCII.GetString(output.WrittenSpan), true);
            }
        }

        return (Encoding.ASCII.GetString(output.WrittenSpan), false);
    }
}
