// `herald explain`: snapshots of the screens in English and Arabic, JSON read back, exit codes and language choice.
using System.Text.Json;

namespace Herald.Cli.Tests.Commands;

public sealed class ExplainCommandTests
{
    private const string UserUnknown = "550 5.1.1 <x@y>: Recipient address rejected: User unknown";

    private static readonly Dictionary<string, string> Arabic = new() { ["LANG"] = "ar_EG.UTF-8" };

    [Fact]
    public void Explain421_English() => Snapshot.MatchScreen("explain-421.en", ["explain", "421"]);

    [Fact]
    public void Explain421_Arabic() => Snapshot.MatchScreen("explain-421.ar", ["explain", "421", "--lang", "ar"]);

    [Fact]
    public void ExplainUserUnknown_English() => Snapshot.MatchScreen("explain-550-5.1.1.en", ["explain", UserUnknown]);

    [Fact]
    public void ExplainUserUnknown_Arabic() => Snapshot.MatchScreen("explain-550-5.1.1.ar", ["explain", UserUnknown, "--lang", "ar"]);

    [Fact]
    public void Explain_Json_ReadsBackWithBothCodes()
    {
        CliResult result = CliRun.Run(["explain", UserUnknown, "--json"]);
        Assert.Equal(0, result.ExitCode);

        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(UserUnknown, root.GetProperty("input").GetString());
        Assert.Equal("en", root.GetProperty("language").GetString());
        Assert.Equal("550", root.GetProperty("replyCode").GetString());
        Assert.Equal("5.1.1", root.GetProperty("enhancedCode").GetString());
        Assert.Equal("<x@y>: Recipient address rejected: User unknown", root.GetProperty("text").GetString());
        Assert.Equal("permanent-negative", root.GetProperty("class").GetString());
        Assert.Equal("do-not-retry", root.GetProperty("retry").GetString());
        Assert.True(root.GetProperty("classesAgree").GetBoolean());

        JsonElement basic = root.GetProperty("basic");
        Assert.Equal("550", basic.GetProperty("code").GetString());
        Assert.True(basic.GetProperty("known").GetBoolean());
        Assert.Equal("RFC 5321 §4.2.2", basic.GetProperty("reference").GetString());

        JsonElement enhanced = root.GetProperty("enhanced");
        Assert.Equal("Bad destination mailbox address", enhanced.GetProperty("title").GetString());
        foreach (string field in new[] { "meaning", "whenYouSeeIt", "senderAction", "administratorAction", "retryText", "className" })
        {
            Assert.False(string.IsNullOrWhiteSpace(enhanced.GetProperty(field).GetString()), field);
        }
    }

    [Fact]
    public void Explain_Json_InArabic_KeepsTheLettersReadable()
    {
        CliResult result = CliRun.Run(["explain", "421", "--json"], Arabic);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("\\u06", result.Output, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal("ar", json.RootElement.GetProperty("language").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("enhanced").ValueKind);
        Assert.Equal("الخدمة غير متاحة، وسيُغلق الاتصال", json.RootElement.GetProperty("basic").GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("600 Not a reply")]
    [InlineData("  ")]
    public void Explain_InputWithoutCode_ExitsWithUsageError(string input)
    {
        CliResult result = CliRun.Run(["explain", input]);

        Assert.Equal(64, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        Assert.Contains("No SMTP reply code or enhanced status code found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_UnknownLanguage_ExitsWithUsageError()
    {
        CliResult result = CliRun.Run(["explain", "421", "--lang", "zz-nowhere"]);
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("Unknown language", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_UnknownCode_SaysWhatTheClassDigitTells()
    {
        CliResult result = CliRun.Run(["explain", "4.7.99"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Enhanced status code 4.7.99 — Not in the IANA registry: Security or policy status", result.Output, StringComparison.Ordinal);
        Assert.Contains("Not in the knowledge base: this is what its digits alone tell.", result.Output, StringComparison.Ordinal);
        Assert.Contains("4.x.x — Transient negative completion", result.Output, StringComparison.Ordinal);
        Assert.Contains("RFC 3463 §3.8", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_UnquotedWords_AreOneReply()
    {
        CliResult result = CliRun.Run(["explain", "421", "4.3.2", "mx.example.com", "Service", "shutting", "down"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("mx.example.com Service shutting down", result.Output, StringComparison.Ordinal);
        Assert.Contains("Enhanced status code 4.3.2 — System not accepting network messages", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_ClassesThatDisagree_AreFlagged()
    {
        CliResult result = CliRun.Run(["explain", "550 4.2.2 Mailbox full"]);
        Assert.Contains("disagrees with the reply code (550)", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LANG", "ar_SA.UTF-8", "ar")]
    [InlineData("LC_ALL", "ar", "ar")]
    [InlineData("LANG", "en_US.UTF-8", "en")]
    [InlineData("LANG", "fr_FR.UTF-8", "en")]
    [InlineData("LANG", "C.UTF-8", "en")]
    [InlineData("LANG", "not a locale", "en")]
    public void Explain_DefaultLanguage_ComesFromTheLocale(string variable, string value, string expected)
    {
        CliResult result = CliRun.Run(["explain", "421", "--json"], new Dictionary<string, string> { [variable] = value });
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(expected, json.RootElement.GetProperty("language").GetString());
    }

    [Fact]
    public void Explain_LcAllOverridesLang_AndLangOptionOverridesBoth()
    {
        var environment = new Dictionary<string, string> { ["LC_ALL"] = "C", ["LANG"] = "ar_EG.UTF-8" };
        Assert.Contains("\"language\": \"en\"", CliRun.Run(["explain", "421", "--json"], environment).Output, StringComparison.Ordinal);
        Assert.Contains("\"language\": \"ar\"", CliRun.Run(["explain", "421", "--json", "--lang", "ar"], environment).Output, StringComparison.Ordinal);
    }
}
