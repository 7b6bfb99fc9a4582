// Keeps right-to-left text readable in a terminal: each screen line is wrapped by us and isolated.
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary>
/// Terminals that apply the Unicode bidirectional algorithm (UAX #9) treat every screen line as its own
/// paragraph. An Arabic line that mixes a label, a table border and a value would be reordered as a whole,
/// swapping cells and labels; and a wrapped line that happens to start with Latin text ("(RFC 7505) ...")
/// would be laid out left to right. So in a right-to-left language the screens wrap text themselves,
/// decide the direction once per paragraph (right to left when it holds Arabic or Hebrew letters), and put
/// every screen line of it inside a right-to-left or left-to-right isolate (U+2067 or U+2066 ... U+2069).
/// Inside, the line keeps the paragraph's order; outside, the screen keeps its left-to-right layout. The
/// marks have no width and print nothing. A line never starts with one at column 0, where tmux drops
/// zero-width characters.
/// </summary>
internal static class Bidi
{
    private const char LeftToRightIsolate = '\u2066';
    private const char RightToLeftIsolate = '\u2067';
    private const char PopDirectionalIsolate = '\u2069';

    /// <summary>One line isolated in the direction of its own content; unchanged for left-to-right languages.</summary>
    public static string Isolate(string line, bool rightToLeft) => Isolate(line, rightToLeft, HasRightToLeftLetters(line));

    /// <summary><paramref name="text"/> wrapped to <paramref name="width"/> cells, every line isolated in the paragraph's direction.</summary>
    public static IReadOnlyList<string> Lines(string text, int width, bool rightToLeft)
    {
        bool paragraphRtl = HasRightToLeftLetters(text);
        return [.. Wrap(text, width).Select(line => Isolate(line, rightToLeft, paragraphRtl))];
    }

    private static string Isolate(string line, bool rightToLeft, bool paragraphRtl) =>
        !rightToLeft || line.Length == 0 ? line
        : $"{(paragraphRtl ? RightToLeftIsolate : LeftToRightIsolate)}{line}{PopDirectionalIsolate}";

    // Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms: the strong right-to-left letters.
    private static bool HasRightToLeftLetters(string text) =>
        text.Any(c => c is (>= '\u0590' and <= '\u08FF') or (>= '\uFB1D' and <= '\uFDFF') or (>= '\uFE70' and <= '\uFEFF'));

    /// <summary>Breaks <paramref name="text"/> at spaces into lines of at most <paramref name="width"/> cells.</summary>
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        width = Math.Max(width, 8);
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        int lineWidth = 0;
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int wordWidth = word.GetCellWidth();
            if (lineWidth > 0 && lineWidth + 1 + wordWidth > width)
            {
                lines.Add(line.ToString());
                line.Clear();
                lineWidth = 0;
            }

            if (lineWidth > 0)
            {
                line.Append(' ');
                lineWidth++;
            }

            // A word longer than a whole line (a URL) is cut where the line ends.
            foreach (string piece in Split(word, wordWidth, width - lineWidth, width))
            {
                if (lineWidth > 0 && lineWidth + piece.GetCellWidth() > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                    lineWidth = 0;
                }

                line.Append(piece);
                lineWidth += piece.GetCellWidth();
            }
        }

        if (line.Length > 0 || lines.Count == 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    private static IEnumerable<string> Split(string word, int wordWidth, int room, int width)
    {
        if (wordWidth <= room || wordWidth <= width)
        {
            yield return word;
            yield break;
        }

        var piece = new System.Text.StringBuilder();
        int pieceWidth = 0;
        int limit = room > 0 ? room : width;
        foreach (char c in word)
        {
            int w = c.GetCellWidth();
            if (pieceWidth + w > limit && piece.Length > 0)
            {
                yield return piece.ToString();
                piece.Clear();
                pieceWidth = 0;
                limit = width;
            }

            piece.Append(c);
            pieceWidth += w;
        }

        if (piece.Length > 0)
        {
            yield return piece.ToString();
        }
    }
}
