// A session transcript read from tests/transcripts: what the client sends and what the server must answer.
using System.Globalization;
using System.Text;

namespace Herald.Server.Tests.Transcripts;

/// <summary>
/// The transcript format, one item per line:
/// <c>C: text</c> a command line (CRLF added); <c>R: text</c> raw bytes with <c>\r \n \t \0 \xHH</c> escapes;
/// <c>S: 250 2.1.5 text*</c> the next reply (code, then enhanced code and a text pattern when given);
/// <c>= closed</c> the server closes; <c>! Key=Value</c> a server setting; <c>#</c> a comment.
/// The first <c>S:</c> is the greeting.
/// </summary>
internal sealed record Transcript(string Name, IReadOnlyList<KeyValuePair<string, string?>> Settings, IReadOnlyList<TranscriptStep> Steps)
{
    public static Transcript Load(string path)
    {
        var settings = new List<KeyValuePair<string, string?>>();
        var steps = new List<TranscriptStep>();
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string body = line.Length > 2 ? line[3..] : string.Empty;
            switch (line[..2])
            {
                case "C:":
                    steps.Add(new TranscriptStep.Send(Encoding.UTF8.GetBytes(body + "\r\n")));
                    break;
                case "R:":
                    steps.Add(new TranscriptStep.Send(Unescape(body)));
                    break;
                case "S:":
                    steps.Add(TranscriptStep.Expect.Parse(body));
                    break;
                case "= ":
                    steps.Add(new TranscriptStep.Closed());
                    break;
                case "! ":
                    string setting = line[2..];
                    int eq = setting.IndexOf('=', StringComparison.Ordinal);
                    settings.Add(new(setting[..eq], setting[(eq + 1)..]));
                    break;
                default:
                    throw new FormatException($"{path}: cannot read '{line}'.");
            }
        }

        return new Transcript(Path.GetFileNameWithoutExtension(path), settings, steps);
    }

    private static byte[] Unescape(string text)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 >= text.Length)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
                continue;
            }

            char c = text[++i];
            switch (c)
            {
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case '0': bytes.Add(0); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case 'x':
                    bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                default: throw new FormatException($"Unknown escape \\{c}.");
            }
        }

        return [.. bytes];
    }
}

internal abstract record TranscriptStep
{
    public sealed record Send(byte[] Bytes) : TranscriptStep;

    public sealed record Closed : TranscriptStep;

    public sealed record Expect(int Code, string? Enhanced, string? TextPattern) : TranscriptStep
    {
        public static Expect Parse(string text)
        {
            string[] parts = text.Split(' ', 3);
            int code = int.Parse(parts[0], CultureInfo.InvariantCulture);
            string? enhanced = parts.Length > 1 && parts[1].Length > 0 && char.IsAsciiDigit(parts[1][0]) && parts[1].Contains('.', StringComparison.Ordinal) ? parts[1] : null;
            string? pattern = enhanced is null ? string.Join(' ', parts.Skip(1)) : (parts.Length > 2 ? parts[2] : null);
            return new Expect(code, enhanced, string.IsNullOrEmpty(pattern) ? null : pattern);
        }

        public override string ToString() => $"{Code} {Enhanced} {TextPattern}".TrimEnd();
    }
}
