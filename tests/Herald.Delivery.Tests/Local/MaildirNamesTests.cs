// Folder names that cannot escape their domain, and Maildir file names.
using Herald.Delivery.Local;

namespace Herald.Delivery.Tests.Local;

public sealed class MaildirNamesTests
{
    [Theory]
    [InlineData("user", "user")]
    [InlineData("User.Name", "user.name")]
    [InlineData("../x", "%2E.%2Fx")]
    [InlineData("..", "%2E.")]
    [InlineData(".", "%2E")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData(".hidden", "%2Ehidden")]
    [InlineData("a\\b", "a%5Cb")]
    [InlineData("100%", "100%25")]
    [InlineData("nul\0here", "nul%00here")]
    [InlineData("", "%")]
    [InlineData("Ünïcode", "Ünïcode")]
    [InlineData("a..b", "a..b")]
    public void LocalPartFolder_IsSafe(string localPart, string expected)
    {
        string folder = MaildirNames.LocalPartFolder(localPart);

        Assert.Equal(expected, folder);
        Assert.DoesNotContain('/', folder);
        Assert.DoesNotContain('\0', folder);
        Assert.False(folder.StartsWith('.'));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("100%")]
    [InlineData("%2F")]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("\"quoted local\"")]
    public void FolderNames_DecodeBack(string name)
    {
        Assert.Equal(name, MaildirNames.DecodeFolderName(MaildirNames.EncodeFolderName(name, lowerAscii: false)));
    }

    [Fact]
    public void DomainFolder_IsLowerCase()
    {
        Assert.Equal("example.org", MaildirNames.DomainFolder("Example.ORG"));
    }

    [Fact]
    public void Hostname_SlashColonComma_AreEscaped()
    {
        Assert.Equal("mx\\057a\\072b\\054c", MaildirNames.EscapeHostname("mx/a:b,c"));
    }

    [Fact]
    public void UniqueName_HasTheMaildirShape()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000).AddTicks(1_234_560);
        Assert.Equal("1900000000.M123456P42Q7.mx.example", MaildirNames.UniqueName(now, 42, 7, "mx.example"));
    }
}
