// `herald compare`: the side-by-side table and key differences in English and Arabic, and its JSON.
using System.Text.Json;

namespace Herald.Cli.Tests.Commands;

public sealed class CompareCommandTests
{
    [Fact]
    public void Compare421With521_English() => Snapshot.MatchScreen("compare-421-521.en", ["compare", "421", "521"]);

    [Fact]
    public void Compare421With521_Arabic() => Snapshot.MatchScreen("compare-421-521.ar", ["compare", "421", "521", "--lang", "ar"]);

    [Fact]
    public void Compare_Json_ReadsBackWithDifferences()
    {
        CliResult result = CliRun.Run(["compare", "421", "521", "--json"]);
        Assert.Equal(0, result.ExitCode);

        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal("en", root.GetProperty("language").GetString());
        Assert.Equal("transient-negative", root.GetProperty("first").GetProperty("class").GetString());
        Assert.Equal("retry-later", root.GetProperty("first").GetProperty("retry").GetString());
        Assert.Equal("permanent-negative", root.GetProperty("second").GetProperty("class").GetString());
        Assert.Equal("do-not-retry", root.GetProperty("second").GetProperty("retry").GetString());

        string[] differences = [.. root.GetProperty("differences").EnumerateArray().Select(d => d.GetString()!)];
        Assert.Equal("421 is 4xx (Transient negative completion), while 521 is 5xx (Permanent negative completion).", differences[0]);
        Assert.Contains(differences, d => d.StartsWith("After 421: Retried", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.StartsWith("After 521: Not retried", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.StartsWith("What to check for 521:", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_Json_InArabic()
    {
        CliResult result = CliRun.Run(["compare", "421", "521", "--json", "--lang", "ar"]);
        using JsonDocument json = JsonDocument.Parse(result.Output);

        Assert.Equal("ar", json.RootElement.GetProperty("language").GetString());
        Assert.Equal("421 ردٌّ من فئة «سلبي مؤقت» (4xx)، أما 521 فردٌّ من فئة «سلبي دائم» (5xx).",
            json.RootElement.GetProperty("differences")[0].GetString());
    }

    [Fact]
    public void Compare_SameEntryUnderTwoClasses_SaysOnlyTheClassDiffers()
    {
        CliResult result = CliRun.Run(["compare", "4.2.2", "5.2.2", "--json"]);
        using JsonDocument json = JsonDocument.Parse(result.Output);

        string[] differences = [.. json.RootElement.GetProperty("differences").EnumerateArray().Select(d => d.GetString()!)];
        Assert.Contains("4.2.2 and 5.2.2 are the same registry entry (Mailbox full); only the class differs.", differences);
    }

    [Fact]
    public void Compare_SameClass_SaysSo()
    {
        CliResult result = CliRun.Run(["compare", "550 5.1.1", "553"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("550 5.1.1 and 553 are both 5xx (Permanent negative completion).", result.Output, StringComparison.Ordinal);
        Assert.Contains("After either of them: Not retried", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_SideWithoutCode_ExitsWithUsageError()
    {
        CliResult result = CliRun.Run(["compare", "421", "nothing here"]);
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("nothing here", result.Error, StringComparison.Ordinal);
    }
}
