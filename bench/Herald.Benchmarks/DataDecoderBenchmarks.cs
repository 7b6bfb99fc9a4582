// The DATA decoder on a message body as smtp-source sends it: 80-octet CRLF lines, some dot-stuffed.
using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Protocol.Commands;
using Herald.Protocol.Data;

namespace Herald.Benchmarks;

[MemoryDiagnoser]
public class DataDecoderBenchmarks
{
    private readonly DataDecoder _decoder = new(LineEndingPolicy.Normalize);
    private ArrayBufferWriter<byte> _output = null!;
    private ReadOnlySequence<byte> _input;

    /// <summary>Octets of body before the end-of-data mark.</summary>
    [Params(1024, 102400)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var body = new StringBuilder(Size + 80);
        for (int line = 0; body.Length < Size; line++)
        {
            // Every tenth line starts with a dot, which the client doubled and the decoder must undo.
            body.Append(line % 10 == 0 ? ".." : "X").Append('X', 77).Append("\r\n");
        }

        body.Append(".\r\n");
        _input = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(body.ToString()));
        _output = new ArrayBufferWriter<byte>(Size + 80);
    }

    [Benchmark]
    public long Decode()
    {
        _decoder.Reset();
        _output.ResetWrittenCount();
        if (_decoder.Decode(_input, _output, out _) != DataDecodeStatus.Completed)
        {
            throw new InvalidOperationException("the end-of-data mark was not found");
        }

        return _decoder.BytesWritten;
    }
}
