// The command parser on the lines a session sees for each message.
using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Protocol.Commands;

namespace Herald.Benchmarks;

[MemoryDiagnoser]
public class CommandParserBenchmarks
{
    private static readonly byte[] Ehlo = Encoding.ASCII.GetBytes("EHLO client.example.org");
    private static readonly byte[] MailFrom = Encoding.ASCII.GetBytes("MAIL FROM:<alice@example.org> SIZE=102400 BODY=8BITMIME");
    private static readonly byte[] RcptTo = Encoding.ASCII.GetBytes("RCPT TO:<bob@example.net>");

    // One PIPELINING batch, as a client sends it after EHLO: a whole transaction up to DATA.
    private static readonly byte[] Batch = Encoding.ASCII.GetBytes(
        "MAIL FROM:<alice@example.org> SIZE=102400\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\n" +
        "RCPT TO:<dave@example.net>\r\nDATA\r\n");

    private readonly SmtpCommandParser _parser = new();

    [Benchmark]
    public CommandParseResult ParseEhlo() => SmtpCommandParser.ParseLine(Ehlo);

    [Benchmark]
    public CommandParseResult ParseMailFromWithParameters() => SmtpCommandParser.ParseLine(MailFrom);

    [Benchmark]
    public CommandParseResult ParseRcptTo() => SmtpCommandParser.ParseLine(RcptTo);

    [Benchmark]
    public int ParsePipelinedBatch()
    {
        var buffer = new ReadOnlySequence<byte>(Batch);
        int commands = 0;
        while (_parser.TryParse(ref buffer, out CommandParseResult result, out _))
        {
            commands += result.Command is null ? 0 : 1;
        }

        return commands;
    }
}
