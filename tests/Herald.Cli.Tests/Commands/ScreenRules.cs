// What every screen must hold to stay readable in a terminal, Arabic included (see Bidi in Herald.Cli).
namespace Herald.Cli.Tests.Commands;

internal static class ScreenRules
{
    private const char Lri = '\u2066', Rli = '\u2067', Fsi = '\u2068', Pdi = '\u2069';

    public static void AssertReadable(string screen)
    {
        string[] lines = screen.TrimEnd('\n').Split('\n');
        int? tableWidth = null;
        foreach (string line in lines)
        {
            // Isolates never reach column 0 (tmux drops zero-width characters there) and close on their own line.
            Assert.False(line.Length > 0 && line[0] is Lri or Rli or Fsi or Pdi, $"Line starts with a bidi mark: {line}");
            Assert.Equal(line.Count(c => c is Lri or Rli or Fsi), line.Count(c => c == Pdi));
            Assert.True(Width(line) <= CliRun.Width, $"Line wider than the console: {line}");

            if (line.Length > 0 && line[0] is '┌' or '│' or '├' or '└')
            {
                tableWidth ??= Width(line);
                Assert.Equal(tableWidth, Width(line));
            }
        }
    }

    // Screen cells: bidi marks and combining marks (Arabic short vowels) take none.
    private static int Width(string line) =>
        line.TrimEnd().Count(c => c is not (Lri or Rli or Fsi or Pdi) && char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark);
}
