// The reply knowledge base: what each SMTP reply code and enhanced status code means, in several languages.
using System.Collections.Frozen;
using System.Globalization;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Knowledge;

/// <summary>
/// Explains basic reply codes (RFC 5321 §4.2, RFC 4954, RFC 7504) and the enhanced status codes of the
/// IANA registry (RFC 3463, RFC 5248 and the RFCs that added to it) for people: what the code means,
/// when it is seen, what the sender and the administrator can do, and whether a sending MTA retries.
/// Texts are looked up by culture the way .NET resources are (ar-EG, then ar, then English).
/// </summary>
public sealed class ReplyKnowledge
{
    private const string FallbackLanguage = "en";

    private static readonly Lazy<ReplyKnowledge> DefaultInstance = new(() => new ReplyKnowledge(
        KnowledgeResources.LoadNeutral(), KnowledgeResources.LoadLanguages()));

    private readonly FrozenDictionary<int, NeutralReply> _replies;
    private readonly FrozenDictionary<(int Subject, int Detail), NeutralEnhanced> _enhanced;
    private readonly IReadOnlyDictionary<string, string> _subjectReferences;
    private readonly IReadOnlyDictionary<string, LanguageFile> _languages;

    internal ReplyKnowledge(NeutralFile neutral, IReadOnlyDictionary<string, LanguageFile> languages)
    {
        if (!languages.ContainsKey(FallbackLanguage))
        {
            throw new ArgumentException("The knowledge base needs English texts to fall back to.", nameof(languages));
        }

        _replies = neutral.ReplyCodes.ToFrozenDictionary(r => r.Code);
        _enhanced = neutral.EnhancedCodes.ToFrozenDictionary(e => ParsePattern(e.Code));
        _subjectReferences = neutral.Subjects;
        _languages = languages;

        ReplyCodes = [.. neutral.ReplyCodes.Select(r => new ReplyCode(r.Code))];
        EnhancedCodes = [.. neutral.EnhancedCodes.SelectMany(e => e.Classes.Select(c =>
        {
            (int subject, int detail) = ParsePattern(e.Code);
            return new EnhancedStatusCode(c, subject, detail);
        }))];
        Languages = [.. languages.Keys.Order(StringComparer.Ordinal).Select(CultureInfo.GetCultureInfo)];
    }

    /// <summary>The knowledge base embedded in this assembly.</summary>
    public static ReplyKnowledge Default => DefaultInstance.Value;

    /// <summary>Every basic reply code the knowledge base explains.</summary>
    public IReadOnlyList<ReplyCode> ReplyCodes { get; }

    /// <summary>
    /// Every enhanced status code of the registry with each class it is used with (4.2.2 and 5.2.2, but only 2.1.5).
    /// <see cref="Describe(EnhancedStatusCode, CultureInfo)"/> also explains the other classes of a known entry.
    /// </summary>
    public IReadOnlyList<EnhancedStatusCode> EnhancedCodes { get; }

    /// <summary>The languages the texts are written in; any other culture falls back to English.</summary>
    public IReadOnlyList<CultureInfo> Languages { get; }

    public bool Contains(ReplyCode code) => _replies.ContainsKey(code.Value);

    /// <summary>True when the registry has the code's subject and detail, whatever its class.</summary>
    public bool Contains(EnhancedStatusCode code) => _enhanced.ContainsKey((code.Subject, code.Detail));

    /// <summary>Explains a basic reply code; for one not in the knowledge base, what its two first digits say.</summary>
    public ReplyDescription Describe(ReplyCode code, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        LanguageFile texts = Resolve(culture);
        int digit = code.Value / 100;
        ClassText classText = ClassOf(texts, digit);
        RetryAdvice retry = RetryOf(code.Class);

        if (_replies.TryGetValue(code.Value, out NeutralReply? reply))
        {
            EntryText entry = EntryOf(texts, texts.Reply, _languages[FallbackLanguage].Reply, Key(code.Value));
            return Build(code.ToString(), true, code.Class, classText, entry, retry, reply.Reference, texts);
        }

        // RFC 5321 §4.2.1: the first digit gives the outcome, the second the kind of problem.
        string second = Line(texts, t => t.SecondDigit, Key(code.Value / 10 % 10));
        var unknown = new EntryText(Title(texts, "basic"), classText.Meaning, second, classText.Sender, classText.Admin);
        return Build(code.ToString(), false, code.Class, classText, unknown, retry, "RFC 5321 §4.2.1", texts);
    }

    /// <summary>Explains an enhanced status code; for one not in the registry, what its class and subject say.</summary>
    public ReplyDescription Describe(EnhancedStatusCode code, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        LanguageFile texts = Resolve(culture);
        var replyClass = (ReplyClass)code.Class;
        ClassText classText = ClassOf(texts, code.Class);
        RetryAdvice retry = RetryOf(replyClass);

        if (_enhanced.TryGetValue((code.Subject, code.Detail), out NeutralEnhanced? known))
        {
            EntryText entry = EntryOf(texts, texts.Enhanced, _languages[FallbackLanguage].Enhanced, known.Code);
            return Build(code.ToString(), true, replyClass, classText, entry, retry, known.Reference, texts);
        }

        // RFC 3463 §2: the class gives the outcome, the subject the area the problem lies in.
        string subjectKey = Key(code.Subject);
        SubjectText? subject = texts.Subject.GetValueOrDefault(subjectKey) ?? _languages[FallbackLanguage].Subject.GetValueOrDefault(subjectKey);
        string title = subject is null ? Title(texts, "enhanced") : $"{Title(texts, "enhanced")}: {subject.Name}";
        string reference = _subjectReferences.GetValueOrDefault(subjectKey) ?? "RFC 3463 §2";
        var unknown = new EntryText(title, classText.Meaning, subject?.Meaning ?? classText.Meaning, classText.Sender, classText.Admin);
        return Build(code.ToString(), false, replyClass, classText, unknown, retry, reference, texts);
    }

    /// <summary>Explains a parsed reply: its basic code and its enhanced code, whichever are present.</summary>
    public ReplyExplanation Explain(ParsedReply reply, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return new ReplyExplanation(
            reply,
            reply.Code is { } code ? Describe(code, culture) : null,
            reply.Enhanced is { } enhanced ? Describe(enhanced, culture) : null);
    }

    private ReplyDescription Build(
        string code, bool known, ReplyClass replyClass, ClassText classText, EntryText entry, RetryAdvice retry, string reference, LanguageFile texts) => new()
        {
            Code = code,
            IsKnown = known,
            Class = replyClass,
            ClassName = classText.Name,
            Title = entry.Title,
            Meaning = entry.Meaning,
            WhenYouSeeIt = entry.When,
            SenderAction = entry.Sender,
            AdministratorAction = entry.Admin,
            Retry = retry,
            RetryText = Line(texts, t => t.Retry, retry switch
            {
                RetryAdvice.RetryLater => "retry",
                RetryAdvice.DoNotRetry => "no-retry",
                _ => "none",
            }),
            Reference = reference,
            Language = CultureInfo.GetCultureInfo(texts.Language),
        };

    private static RetryAdvice RetryOf(ReplyClass replyClass) => replyClass switch
    {
        ReplyClass.TransientNegative => RetryAdvice.RetryLater,
        ReplyClass.PermanentNegative => RetryAdvice.DoNotRetry,
        _ => RetryAdvice.NotAFailure,
    };

    private static string Key(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static (int Subject, int Detail) ParsePattern(string pattern)
    {
        // Registry entries are written "X.subject.detail"; the class is whatever the reply carries.
        string[] parts = pattern.Split('.');
        if (parts.Length != 3 || parts[0] != "X")
        {
            throw new FormatException($"'{pattern}' is not a registry pattern X.subject.detail.");
        }

        return (int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static EntryText EntryOf(LanguageFile texts, IReadOnlyDictionary<string, EntryText> entries, IReadOnlyDictionary<string, EntryText> fallback, string key) =>
        entries.GetValueOrDefault(key) ?? fallback.GetValueOrDefault(key)
        ?? throw new InvalidOperationException($"The knowledge base has no {texts.Language} text for {key}.");

    private ClassText ClassOf(LanguageFile texts, int digit) =>
        texts.Class.GetValueOrDefault(Key(digit)) ?? _languages[FallbackLanguage].Class[Key(digit)];

    private string Line(LanguageFile texts, Func<LanguageFile, IReadOnlyDictionary<string, LineText>> section, string key) =>
        (section(texts).GetValueOrDefault(key) ?? section(_languages[FallbackLanguage])[key]).Text;

    private string Title(LanguageFile texts, string key) =>
        (texts.Unknown.GetValueOrDefault(key) ?? _languages[FallbackLanguage].Unknown[key]).Title;

    /// <summary>The language file for a culture: the culture itself, then its parents, then English.</summary>
    private LanguageFile Resolve(CultureInfo culture)
    {
        for (CultureInfo current = culture; !string.IsNullOrEmpty(current.Name); current = current.Parent)
        {
            if (_languages.TryGetValue(current.Name, out LanguageFile? file))
            {
                return file;
            }
        }

        return _languages[FallbackLanguage];
    }
}
