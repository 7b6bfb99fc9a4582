using Herald.Protocol.Commands;

namespace Herald.Protocol.Tests.Commands;

public sealed class XtextTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("a+3Db", "a=b")]
    [InlineData("a+20b", "a b")]
    [InlineData("lower+2bcase", "lower+case")]
    [InlineData("+C3+A9t+C3+A9", "été")]
    [InlineData("", "")]
    public void Decode_TurnsHexcharsIntoOctets(string xtext, string expected)
    {
        Assert.True(Xtext.TryDecode(xtext, allowUtf8: false, out string? text));
        Assert.Equal(expected, text);
    }

    [Theory]
    [InlineData("a+")]
    [InlineData("a+2")]
    [InlineData("a+G0")]
    [InlineData("a=b")]
    [InlineData("a b")]
    [InlineData("+C3")]
    [InlineData("é")]
    public void Decode_RefusesWhatIsNotXtext(string value) => Assert.False(Xtext.TryDecode(value, allowUtf8: false, out _));

    [Fact]
    public void Decode_TakesRawUtf8_OnlyWhenAllowed()
    {
        Assert.True(Xtext.TryDecode("jörg", allowUtf8: true, out string? text));
        Assert.Equal("jörg", text);
        Assert.False(Xtext.TryDecode("jörg", allowUtf8: false, out _));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a+b=c d", "a+2Bb+3Dc+20d")]
    [InlineData("été", "+C3+A9t+C3+A9")]
    [InlineData("tab\there", "tab+09here")]
    public void Encode_WritesEveryOctetOutsideXcharAsHex(string text, string expected) => Assert.Equal(expected, Xtext.Encode(text));

    [Fact]
    public void EncodeThenDecode_GivesBackEveryString()
    {
        var random = new Random(3461);
        for (int round = 0; round < 500; round++)
        {
            char[] chars = new char[random.Next(0, 40)];
            for (int i = 0; i < chars.Length; i++)
            {
                // Printable ASCII, controls and some of Latin-1 and Arabic; no lone surrogates.
                int pick = random.Next(3);
                chars[i] = pick == 0 ? (char)random.Next(0x00, 0x80) : pick == 1 ? (char)random.Next(0xA0, 0x100) : (char)random.Next(0x600, 0x700);
            }

            string text = new(chars);
            Assert.True(Xtext.TryDecode(Xtext.Encode(text), allowUtf8: false, out string? back));
            Assert.Equal(text, back);
        }
    }
}
