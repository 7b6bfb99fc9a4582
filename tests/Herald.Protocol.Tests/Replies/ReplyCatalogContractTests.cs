using System.Text.RegularExpressions;
using Herald.Protocol.Replies;
using Herald.TestSupport.Files;

namespace Herald.Protocol.Tests.Replies;

/// <summary>Holds the reply catalog against section 1 of the reply contract.</summary>
public sealed partial class ReplyCatalogContractTests
{
    public static TheoryData<string, string> ContractRows()
    {
        var rows = new TheoryData<string, string>();
        foreach ((string code, string enhanced) in ContractPairs())
        {
            rows.Add(code, enhanced);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(ContractRows))]
    public void EveryReplyOfTheContract_IsInTheCatalog(string code, string enhanced)
    {
        Assert.Contains(SmtpReplies.All, t => t.Code.ToString() == code && t.Enhanced?.ToString() == enhanced);
    }

    [Fact]
    public void TheContractCopyInDocs_MatchesTheSharedDesign_WhenPresent()
    {
        string shared = Path.Combine(RepositoryPaths.Root, "..", "shared", "design", "replies.md");
        if (!File.Exists(shared))
        {
            return; // Outside the development tree only the copy in docs/ exists.
        }

        Assert.Equal(File.ReadAllText(shared), File.ReadAllText(RepositoryPaths.Combine("docs", "reply-contract.md")));
    }

    [Fact]
    public void CatalogNames_AreUnique_AndEveryEnhancedCodeMatchesItsClass()
    {
        Assert.Equal(SmtpReplies.All.Count, SmtpReplies.All.Select(t => t.Name).Distinct().Count());
        foreach (ReplyTemplate template in SmtpReplies.All)
        {
            if (template.Enhanced is { } e && template.Code.Class != ReplyClass.PositiveIntermediate)
            {
                Assert.Equal(template.Code.Value / 100, e.Class);
            }
        }
    }

    [Fact]
    public void ContractParsing_FindsTheRowsOfSectionOne()
    {
        // Guards the test above against a contract format change that would make it vacuous.
        Assert.True(ContractPairs().Count >= 25);
    }

    private static List<(string Code, string Enhanced)> ContractPairs()
    {
        string text = File.ReadAllText(RepositoryPaths.Combine("docs", "reply-contract.md"));
        int start = text.IndexOf("## 1.", StringComparison.Ordinal);
        int end = text.IndexOf("## 2.", StringComparison.Ordinal);
        string section = text[start..end];
        return [.. ReplyPattern().Matches(section).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).Distinct()];
    }

    [GeneratedRegex(@"`([2-5]\d\d) ([245]\.\d{1,3}\.\d{1,3})")]
    private static partial Regex ReplyPattern();
}
