using Herald.Protocol.Addresses;

namespace Herald.Protocol.Tests.Addresses;

public sealed class MailboxGrammarTests
{
    [Theory]
    [InlineData("user@example.org")]
    [InlineData("first.last+tag@sub.example.org")]
    [InlineData("\"with space\"@example.org")]
    [InlineData("user@[192.0.2.1]")]
    [InlineData("user@[IPv6:2001:db8::1]")]
    public void ValidMailboxes_RoundTrip(string text)
    {
        Assert.True(MailboxGrammar.TryParseMailbox(text, out Mailbox? mailbox));
        Assert.Equal(text, mailbox!.ToString());
    }

    [Theory]
    [InlineData("user")]
    [InlineData("@example.org")]
    [InlineData("user@")]
    [InlineData(".user@example.org")]
    [InlineData("user.@example.org")]
    [InlineData("user@exa_mple.org")]
    [InlineData("user@[192.0.2]")]
    [InlineData("\"unterminated@example.org")]
    public void InvalidMailboxes_AreRefused(string text) => Assert.False(MailboxGrammar.TryParseMailbox(text, out _));

    [Fact]
    public void LocalPartOver64Octets_IsTooLong()
    {
        string path = "<" + new string('a', 65) + "@example.org>";
        int pos = 0;
        Assert.Equal(PathError.TooLong, MailboxGrammar.TryParsePath(path, ref pos, false, false, out _));
    }

    [Fact]
    public void NullPath_IsOnlyAllowedWhereAsked()
    {
        int pos = 0;
        Assert.Equal(PathError.None, MailboxGrammar.TryParsePath("<>", ref pos, allowNull: true, false, out Mailbox? mailbox));
        Assert.Null(mailbox);
        pos = 0;
        Assert.NotEqual(PathError.None, MailboxGrammar.TryParsePath("<>", ref pos, allowNull: false, false, out _));
    }

    [Fact]
    public void NormalizedDomain_IsLowerCase()
    {
        Assert.True(MailboxGrammar.TryParseMailbox("User@Example.ORG", out Mailbox? mailbox));
        Assert.Equal("example.org", mailbox!.NormalizedDomain);
        Assert.Equal("User", mailbox.LocalPart);
    }
}
