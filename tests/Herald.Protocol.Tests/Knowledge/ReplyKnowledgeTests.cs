// Holds the reply knowledge base to its promises: complete in every language, in step with the reply
// catalog, and with classes and retry behaviour that agree with the codes.
using System.Globalization;
using Herald.Protocol.Knowledge;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Tests.Knowledge;

public sealed class ReplyKnowledgeTests
{
    private static readonly ReplyKnowledge Kb = ReplyKnowledge.Default;

    public static TheoryData<string> Languages => new() { "en", "ar" };

    [Fact]
    public void Languages_AreEnglishAndArabic() =>
        Assert.Equal(["ar", "en"], Kb.Languages.Select(c => c.Name));

    [Fact]
    public void BasicCodes_AreExactlyTheListedOnes()
    {
        int[] expected = [211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455,
            500, 501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552, 553, 554, 555, 556];
        Assert.Equal(expected, Kb.ReplyCodes.Select(c => c.Value));
    }

    [Fact]
    public void EnhancedCodes_AreExactlyTheIanaRegistry()
    {
        // RFC 3463 X.0.0 to X.7.7, extended by RFC 3886, 4468, 4954, 5248, 6531, 6710, 7293, 7372,
        // 7505, 8617, 8689 and the mail-flood registration, up to X.7.30.
        var expected = new List<string> { "X.0.0" };
        expected.AddRange(Range(1, 10));
        expected.AddRange(Range(2, 4));
        expected.AddRange(Range(3, 6));
        expected.AddRange(Range(4, 7));
        expected.AddRange(Range(5, 6));
        expected.AddRange(Range(6, 10));
        expected.AddRange(Range(7, 30));

        string[] actual = [.. KnowledgeResources.LoadNeutral().EnhancedCodes.Select(e => e.Code)];
        Assert.Equal(expected, actual);
        Assert.Equal(81, actual.Length);

        static IEnumerable<string> Range(int subject, int last) =>
            Enumerable.Range(0, last + 1).Select(d => string.Create(CultureInfo.InvariantCulture, $"X.{subject}.{d}"));
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void EveryLanguageFile_CoversEveryEntryWithoutFallingBack(string language)
    {
        NeutralFile neutral = KnowledgeResources.LoadNeutral();
        LanguageFile texts = KnowledgeResources.LoadLanguages()[language];

        Assert.Equal(language, texts.Language);
        Assert.Equal(neutral.ReplyCodes.Select(r => r.Code.ToString(CultureInfo.InvariantCulture)).Order(), texts.Reply.Keys.Order());
        Assert.Equal(neutral.EnhancedCodes.Select(e => e.Code).Order(), texts.Enhanced.Keys.Order());
        Assert.Equal(["2", "3", "4", "5"], texts.Class.Keys.Order());
        Assert.Equal(["0", "1", "2", "3", "4", "5"], texts.SecondDigit.Keys.Order());
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7"], texts.Subject.Keys.Order());
        Assert.Equal(["no-retry", "none", "retry"], texts.Retry.Keys.Order());
        Assert.Equal(["basic", "enhanced"], texts.Unknown.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void EveryEntry_HasEveryFieldFilledIn(string language)
    {
        var culture = CultureInfo.GetCultureInfo(language);
        IEnumerable<ReplyDescription> all = Kb.ReplyCodes.Select(c => Kb.Describe(c, culture))
            .Concat(Kb.EnhancedCodes.Select(c => Kb.Describe(c, culture)));

        foreach (ReplyDescription d in all)
        {
            Assert.True(d.IsKnown, d.Code);
            Assert.Equal(language, d.Language.Name);
            foreach (string field in new[] { d.ClassName, d.Title, d.Meaning, d.WhenYouSeeIt, d.SenderAction, d.AdministratorAction, d.RetryText, d.Reference })
            {
                Assert.False(string.IsNullOrWhiteSpace(field), $"{d.Code} ({language}) has an empty field.");
                Assert.Equal(field.Trim(), field);
                Assert.DoesNotContain('\n', field);
            }
        }
    }

    [Fact]
    public void ArabicTexts_AreWrittenInArabic()
    {
        LanguageFile ar = KnowledgeResources.LoadLanguages()["ar"];
        IEnumerable<(string Key, EntryText Entry)> entries = ar.Reply.Select(p => (p.Key, p.Value)).Concat(ar.Enhanced.Select(p => (p.Key, p.Value)));
        foreach ((string key, EntryText e) in entries)
        {
            foreach (string field in new[] { e.Title, e.Meaning, e.When, e.Sender, e.Admin })
            {
                Assert.True(field.Any(IsArabicLetter), $"{key}: '{field}' has no Arabic in it.");
            }
        }

        static bool IsArabicLetter(char c) => c is >= '\u0621' and <= '\u064A';
    }

    [Fact]
    public void BasicEntries_ClassAndRetryMatchTheirCode()
    {
        foreach (NeutralReply reply in KnowledgeResources.LoadNeutral().ReplyCodes)
        {
            var code = new ReplyCode(reply.Code);
            string expectedRetry = code.Class switch
            {
                ReplyClass.TransientNegative => "retry",
                ReplyClass.PermanentNegative => "no-retry",
                _ => "none",
            };
            Assert.Equal(expectedRetry, reply.Retry);

            ReplyDescription d = Kb.Describe(code, CultureInfo.InvariantCulture);
            Assert.Equal(code.Class, d.Class);
            Assert.Equal(code.Value.ToString(CultureInfo.InvariantCulture), d.Code);
        }
    }

    [Fact]
    public void EnhancedEntries_ClassesAreValidAndDescribedAsSuch()
    {
        foreach (NeutralEnhanced entry in KnowledgeResources.LoadNeutral().EnhancedCodes)
        {
            Assert.NotEmpty(entry.Classes);
            Assert.All(entry.Classes, c => Assert.Contains(c, new[] { 2, 4, 5 }));
            Assert.Equal(entry.Classes.Distinct().Order(), entry.Classes);
        }

        foreach (EnhancedStatusCode code in Kb.EnhancedCodes)
        {
            ReplyDescription d = Kb.Describe(code, CultureInfo.InvariantCulture);
            Assert.Equal((ReplyClass)code.Class, d.Class);
            Assert.Equal(code.ToString(), d.Code);
            RetryAdvice expected = code.Class switch { 4 => RetryAdvice.RetryLater, 5 => RetryAdvice.DoNotRetry, _ => RetryAdvice.NotAFailure };
            Assert.Equal(expected, d.Retry);
        }
    }

    [Fact]
    public void EveryCodeTheServerSends_IsInTheKnowledgeBase()
    {
        foreach (ReplyTemplate template in SmtpReplies.All)
        {
            Assert.True(Kb.Contains(template.Code), $"{template.Name}: {template.Code} is missing.");
            if (template.Enhanced is { } enhanced)
            {
                Assert.True(Kb.Contains(enhanced), $"{template.Name}: {enhanced} is missing.");
                Assert.Contains(enhanced, Kb.EnhancedCodes);
            }
        }
    }

    [Theory]
    [InlineData("ar-EG", "ar")]
    [InlineData("ar", "ar")]
    [InlineData("en-GB", "en")]
    [InlineData("fr-FR", "en")]
    [InlineData("", "en")]
    public void Describe_FallsBackThroughParentCulturesToEnglish(string culture, string expected)
    {
        ReplyDescription d = Kb.Describe(new ReplyCode(421), CultureInfo.GetCultureInfo(culture));
        Assert.Equal(expected, d.Language.Name);
    }

    [Fact]
    public void Describe_421And521_TellTransientFromPermanent()
    {
        ReplyDescription transient = Kb.Describe(new ReplyCode(421), CultureInfo.InvariantCulture);
        ReplyDescription permanent = Kb.Describe(new ReplyCode(521), CultureInfo.InvariantCulture);

        Assert.Equal(ReplyClass.TransientNegative, transient.Class);
        Assert.Equal(RetryAdvice.RetryLater, transient.Retry);
        Assert.Equal("RFC 5321 §3.8, §4.2.2", transient.Reference);
        Assert.Equal(ReplyClass.PermanentNegative, permanent.Class);
        Assert.Equal(RetryAdvice.DoNotRetry, permanent.Retry);
        Assert.StartsWith("RFC 7504", permanent.Reference, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_UnknownReplyCode_SaysWhatItsDigitsTell()
    {
        ReplyDescription d = Kb.Describe(new ReplyCode(422), CultureInfo.GetCultureInfo("en"));

        Assert.False(d.IsKnown);
        Assert.Equal(ReplyClass.TransientNegative, d.Class);
        Assert.Equal(RetryAdvice.RetryLater, d.Retry);
        Assert.Equal("Not in the knowledge base", d.Title);
        Assert.Contains("second digit 2", d.WhenYouSeeIt, StringComparison.Ordinal);
        Assert.Equal("RFC 5321 §4.2.1", d.Reference);
    }

    [Fact]
    public void Describe_UnknownEnhancedCode_SaysWhatItsClassAndSubjectTell()
    {
        ReplyDescription policy = Kb.Describe(EnhancedStatusCode.Parse("5.7.99"), CultureInfo.GetCultureInfo("en"));
        Assert.False(policy.IsKnown);
        Assert.Equal(ReplyClass.PermanentNegative, policy.Class);
        Assert.Equal("Not in the IANA registry: Security or policy status", policy.Title);
        Assert.Equal("RFC 3463 §3.8", policy.Reference);

        ReplyDescription nowhere = Kb.Describe(EnhancedStatusCode.Parse("4.9.1"), CultureInfo.GetCultureInfo("ar"));
        Assert.False(nowhere.IsKnown);
        Assert.Equal("RFC 3463 §2", nowhere.Reference);
        Assert.Equal("غير موجود في سجل IANA", nowhere.Title);
    }

    [Fact]
    public void Describe_KnownEntryUnderAnUnusualClass_StillExplainsIt()
    {
        ReplyDescription d = Kb.Describe(EnhancedStatusCode.Parse("4.1.3"), CultureInfo.InvariantCulture);
        Assert.True(d.IsKnown);
        Assert.Equal(ReplyClass.TransientNegative, d.Class);
        Assert.DoesNotContain(EnhancedStatusCode.Parse("4.1.3"), Kb.EnhancedCodes);
    }

    [Fact]
    public void Explain_BasicCodeDecides_WhenTheClassesDisagree()
    {
        var reply = new ParsedReply(new ReplyCode(550), EnhancedStatusCode.Parse("4.2.2"), "Mailbox full");
        ReplyExplanation e = Kb.Explain(reply, CultureInfo.InvariantCulture);

        Assert.False(e.ClassesAgree);
        Assert.Equal(RetryAdvice.DoNotRetry, e.Retry);
        Assert.Equal("550", e.Basic!.Code);
        Assert.Equal("4.2.2", e.Enhanced!.Code);
    }

    [Fact]
    public void Explain_EnhancedCodeAlone_DecidesByItsOwnClass()
    {
        ReplyExplanation e = Kb.Explain(new ParsedReply(null, EnhancedStatusCode.Parse("4.7.1"), string.Empty), CultureInfo.InvariantCulture);

        Assert.True(e.ClassesAgree);
        Assert.Null(e.Basic);
        Assert.Equal(RetryAdvice.RetryLater, e.Retry);
    }
}
