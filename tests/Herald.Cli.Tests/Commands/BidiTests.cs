// Bidi: wrapping by screen cells and isolating right-to-left paragraphs line by line.
using Herald.Cli.Commands;

namespace Herald.Cli.Tests.Commands;

public sealed class BidiTests
{
    [Fact]
    public void Wrap_BreaksAtSpacesWithinTheWidth() =>
        Assert.Equal(["one two", "three four", "five"], Bidi.Wrap("one two three four five", 10));

    [Fact]
    public void Wrap_CutsAWordLongerThanTheLine() =>
        Assert.Equal(["see", "https://ex", "ample.com/", "x"], Bidi.Wrap("see https://example.com/x", 10));

    [Fact]
    public void Wrap_CountsArabicVowelMarksAsNoWidth()
    {
        IReadOnlyList<string> lines = Bidi.Wrap("نُفِّذ الطلب بنجاح", 12);
        Assert.Equal(["نُفِّذ الطلب", "بنجاح"], lines);
    }

    [Fact]
    public void Lines_LeftToRightLanguage_AddsNothing() =>
        Assert.Equal(["RFC 5321"], Bidi.Lines("RFC 5321", 40, rightToLeft: false));

    [Fact]
    public void Lines_ArabicParagraph_IsolatesEveryLineRightToLeft_EvenOneStartingWithLatin()
    {
        IReadOnlyList<string> lines = Bidi.Lines("انشر سجل MX فارغًا (RFC 7505) ليتوقف المرسِلون", 20, rightToLeft: true);

        Assert.All(lines, line => Assert.Equal('\u2067', line[0]));
        Assert.All(lines, line => Assert.Equal('\u2069', line[^1]));
        Assert.Contains(lines, line => line.StartsWith("\u2067(RFC", StringComparison.Ordinal));
    }

    [Fact]
    public void Lines_LatinParagraphOnAnArabicScreen_IsIsolatedLeftToRight() =>
        Assert.Equal(["\u2066RFC 5321 §3.8\u2069"], Bidi.Lines("RFC 5321 §3.8", 40, rightToLeft: true));
}
