using System.Buffers;
using System.Text;
using Herald.Protocol.Commands;
using Herald.Protocol.Data;
using Herald.Protocol.Replies;
using Herald.TestSupport.Files;

namespace Herald.Protocol.Tests.Fuzzing;

/// <summary>
/// Properties of the parser and the DATA decoder over the seed files in tests/fuzz and over seeded random
/// mutations of them. The seed is fixed so a failure replays exactly; bench/fuzz-long.sh runs many more.
/// </summary>
public sealed class ParserPropertyTests
{
    private const int Seed = 5321;
    // bench/fuzz-long.sh raises this for a long run; CI keeps it small.
    private static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("HERALD_FUZZ_ITERATIONS"), out int configured) && configured > 0 ? configured : 3000;

    private static readonly SmtpCommandParser Parser = new();

    private static readonly string[] ValidCommandLines =
    [
        "EHLO client.example\r\n", "MAIL FROM:<alice@example.org> SIZE=1000 BODY=8BITMIME\r\n", "MAIL FROM:<>\r\n",
        "RCPT TO:<\"john smith\"@example.org>\r\n", "RCPT TO:<@relay.example:bob@[192.0.2.1]>\r\n", "DATA\r\n",
        "BDAT 100 LAST\r\n", "AUTH PLAIN AGFAYg==\r\n", "STARTTLS\r\n", "QUIT\r\n",
    ];

    public static TheoryData<string> CommandSeeds() => Files("commands");

    public static TheoryData<string> DataSeeds() => Files("data");

    [Theory]
    [MemberData(nameof(CommandSeeds))]
    public void CommandSeed_ParsesWithoutThrowing_AndEveryErrorIsACatalogReply(string file)
    {
        byte[] input = File.ReadAllBytes(RepositoryPaths.Combine("tests", "fuzz", "commands", file));
        AssertParsesSafely(input);
    }

    [Fact]
    public void RandomMutationsOfCommands_ParseWithoutThrowing()
    {
        var random = new Random(Seed);
        byte[][] seeds = [.. Directory.GetFiles(RepositoryPaths.Combine("tests", "fuzz", "commands")).Select(File.ReadAllBytes),
            .. ValidCommandLines.Select(Encoding.ASCII.GetBytes)];
        for (int i = 0; i < Iterations; i++)
        {
            AssertParsesSafely(Mutate(seeds[random.Next(seeds.Length)], random));
        }
    }

    [Theory]
    [MemberData(nameof(DataSeeds))]
    public void DataSeed_DecodesTheSameHoweverItIsSplit(string file)
    {
        byte[] input = File.ReadAllBytes(RepositoryPaths.Combine("tests", "fuzz", "data", file));
        AssertDecodesConsistently(input, new Random(Seed));
    }

    [Fact]
    public void RandomMessages_DecodeTheSameHoweverTheyAreSplit_AndEndOnlyAtCrLfDotCrLf()
    {
        var random = new Random(Seed);
        byte[] alphabet = "\r\n.ab \t\u00ff"u8.ToArray();
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = new byte[random.Next(0, 64)];
            for (int j = 0; j < input.Length; j++)
            {
                input[j] = alphabet[random.Next(alphabet.Length)];
            }

            AssertDecodesConsistently(input, random);
        }
    }

    [Fact]
    public void StuffedMessages_RoundTrip()
    {
        // Whatever CRLF-terminated lines a client sends, dot-stuffing then decoding gives them back.
        var random = new Random(Seed);
        for (int i = 0; i < Iterations; i++)
        {
            var message = new StringBuilder();
            int lines = random.Next(0, 8);
            for (int l = 0; l < lines; l++)
            {
                message.Append(new string('.', random.Next(0, 3))).Append(random.Next(0, 3) == 0 ? string.Empty : "text").Append("\r\n");
            }

            string original = message.ToString();
            string stuffed = string.Concat(original.Split("\r\n").SkipLast(1).Select(line => (line.StartsWith('.') ? "." + line : line) + "\r\n")) + ".\r\n";
            var decoder = new DataDecoder(LineEndingPolicy.Normalize);
            var output = new ArrayBufferWriter<byte>();
            Assert.Equal(DataDecodeStatus.Completed, decoder.Decode(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(stuffed)), output, out _));
            Assert.Equal(original, Encoding.ASCII.GetString(output.WrittenSpan));
        }
    }

    private static void AssertParsesSafely(byte[] input)
    {
        var buffer = new ReadOnlySequence<byte>(input);
        int guard = 0;
        while (guard++ < input.Length + 2)
        {
            long before = buffer.Length;
            if (!Parser.TryParse(ref buffer, out CommandParseResult result, out bool skip))
            {
                Assert.Equal(before, buffer.Length);
                Assert.True(buffer.Length < CommandLine.DefaultMaxLength, "the parser held more than one line");
                return;
            }

            Assert.True(buffer.Length < before, "a parsed line must consume bytes");
            if (result.Error is { } error)
            {
                Assert.True(error.IsPermanent, error.ToString());
                Assert.Contains(SmtpReplies.All, t => t.Code == error.Code && t.Enhanced == error.Enhanced);
            }

            if (skip)
            {
                CommandLine.TrySkipRestOfLine(ref buffer);
            }
        }
    }

    private static void AssertDecodesConsistently(byte[] input, Random random)
    {
        (byte[] whole, bool wholeDone, long wholeConsumed) = Decode(input, [input.Length]);
        var cuts = new List<int>();
        for (int left = input.Length; left > 0;)
        {
            int size = Math.Min(left, random.Next(1, 5));
            cuts.Add(size);
            left -= size;
        }

        (byte[] split, bool splitDone, long splitConsumed) = Decode(input, cuts);
        Assert.Equal(wholeDone, splitDone);
        Assert.Equal(whole, split);
        Assert.Equal(wholeConsumed, splitConsumed);

        string text = Encoding.Latin1.GetString(input);
        bool hasEnd = text.StartsWith(".\r\n", StringComparison.Ordinal) || text.Contains("\r\n.\r\n", StringComparison.Ordinal);
        if (wholeDone)
        {
            Assert.True(hasEnd, "ended without CRLF.CRLF");
            Assert.DoesNotContain((byte)'\n', whole.Where((b, i) => b == (byte)'\n' && (i == 0 || whole[i - 1] != (byte)'\r')));
        }
        else
        {
            Assert.False(hasEnd, "CRLF.CRLF did not end the message");
        }
    }

    /// <summary>Feeds the decoder in pieces, as a pipe would, re-offering what it did not consume.</summary>
    private static (byte[] Output, bool Done, long Consumed) Decode(byte[] input, IEnumerable<int> pieces)
    {
        var decoder = new DataDecoder(LineEndingPolicy.Normalize);
        var output = new ArrayBufferWriter<byte>();
        int start = 0, end = 0;
        foreach (int piece in pieces)
        {
            end += piece;
            var sequence = new ReadOnlySequence<byte>(input, start, end - start);
            DataDecodeStatus status = decoder.Decode(sequence, output, out SequencePosition consumed);
            start += (int)sequence.Slice(0, consumed).Length;
            if (status == DataDecodeStatus.Completed)
            {
                return (output.WrittenSpan.ToArray(), true, start);
            }
        }

        return (output.WrittenSpan.ToArray(), false, start);
    }

    private static readonly byte[] Interesting = "\r\n.:<>@\" \0="u8.ToArray();

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        int edits = random.Next(1, 6);
        for (int e = 0; e < edits; e++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0 when bytes.Count > 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 2 when bytes.Count > 0: bytes.RemoveAt(at); break;
                default: bytes.InsertRange(at, bytes.Take(random.Next(0, 40)).ToArray()); break;
            }
        }

        return [.. bytes];
    }

    private static TheoryData<string> Files(string folder)
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(RepositoryPaths.Combine("tests", "fuzz", folder)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }
}
