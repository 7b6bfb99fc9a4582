// The sendmail command line read as getopt(3) reads it: bundled flags, attached values, ignored delivery options.
using Herald.Cli.Sendmail;

namespace Herald.Cli.Tests.Sendmail;

public sealed class SendmailArgumentsTests
{
    [Theory]
    [InlineData("-t -i")]
    [InlineData("-ti")]
    [InlineData("-t -oi")]
    public void TakeRecipientsAndIgnoreDots_InEverySpelling(string args)
    {
        SendmailArguments parsed = Parse(args.Split(' '));

        Assert.True(parsed.ExtractRecipients);
        Assert.True(parsed.IgnoreDots);
        Assert.Equal(SendmailMode.Deliver, parsed.Mode);
    }

    [Theory]
    [InlineData("-fbob@example.org alice@example.org")]
    [InlineData("-f bob@example.org alice@example.org")]
    [InlineData("alice@example.org -r bob@example.org")]
    public void Sender_AttachedOrSeparate_BeforeOrAfterRecipients(string args)
    {
        SendmailArguments parsed = Parse(args.Split(' '));

        Assert.Equal("bob@example.org", parsed.Sender);
        Assert.Equal(["alice@example.org"], parsed.Recipients);
    }

    [Fact]
    public void FullName_TakesTheNextArgumentWhole()
    {
        SendmailArguments parsed = Parse(["-F", "Cron Daemon", "-i", "root"]);

        Assert.Equal("Cron Daemon", parsed.FullName);
        Assert.Equal(["root"], parsed.Recipients);
    }

    [Fact]
    public void DeliveryOptions_AreAcceptedAndIgnored()
    {
        // What cron, PHP and mailx pass: delivery mode, error mode, body type, DSN requests, verbose.
        SendmailArguments parsed = Parse(["-odi", "-oem", "-oQ/var/spool", "-B8BITMIME", "-N", "never", "-R", "hdrs", "-V", "envid", "-v", "-n", "-m", "-U", "root"]);

        Assert.Equal(["root"], parsed.Recipients);
        Assert.False(parsed.IgnoreDots);
        Assert.True(parsed.Verbose);
    }

    [Fact]
    public void Modes()
    {
        Assert.Equal(SendmailMode.Smtp, Parse(["-bs"]).Mode);
        Assert.Equal(SendmailMode.Deliver, Parse(["-bm", "root"]).Mode);
        Assert.Equal(SendmailMode.NewAliases, Parse(["-bi"]).Mode);
    }

    [Fact]
    public void DoubleDash_EndsTheOptions()
    {
        SendmailArguments parsed = Parse(["-i", "--", "-odd@example.org"]);

        Assert.Equal(["-odd@example.org"], parsed.Recipients);
    }

    [Fact]
    public void ConfigFile_FromDashC()
    {
        Assert.Equal("/etc/herald.json", Parse(["-C", "/etc/herald.json", "root"]).ConfigFile);
    }

    [Theory]
    [InlineData(new[] { "-Z", "root" }, "unknown option -Z")]
    [InlineData(new[] { "root", "-f" }, "option -f needs a value")]
    [InlineData(new[] { "-bp" }, "-bp")]
    [InlineData(new[] { "-bd" }, "herald serve")]
    [InlineData(new[] { "-q" }, "-q")]
    public void Unsupported_IsAUsageError(string[] args, string message)
    {
        Assert.False(SendmailArguments.TryParse(args, out _, out string? error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    private static SendmailArguments Parse(string[] args)
    {
        Assert.True(SendmailArguments.TryParse(args, out SendmailArguments? parsed, out string? error), error);
        return parsed;
    }
}
