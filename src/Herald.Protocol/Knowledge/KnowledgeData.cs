// The shapes of the embedded knowledge base files and the code that reads them from the assembly.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Herald.Protocol.Knowledge;

/// <summary>Language-neutral facts: replies.json.</summary>
internal sealed record NeutralFile(
    IReadOnlyDictionary<string, string> Subjects,
    IReadOnlyList<NeutralReply> ReplyCodes,
    IReadOnlyList<NeutralEnhanced> EnhancedCodes);

/// <summary>One basic reply code: its retry behaviour ("retry", "no-retry", "none") and where it is defined.</summary>
internal sealed record NeutralReply(int Code, string Retry, string Reference);

/// <summary>One registry entry "X.s.d", the classes it is used with, and where it is defined.</summary>
internal sealed record NeutralEnhanced(string Code, IReadOnlyList<int> Classes, string Reference);

/// <summary>The texts of one language: replies.{language}.json.</summary>
internal sealed record LanguageFile(
    string Language,
    IReadOnlyDictionary<string, ClassText> Class,
    IReadOnlyDictionary<string, LineText> SecondDigit,
    IReadOnlyDictionary<string, SubjectText> Subject,
    IReadOnlyDictionary<string, LineText> Retry,
    IReadOnlyDictionary<string, TitleText> Unknown,
    IReadOnlyDictionary<string, EntryText> Reply,
    IReadOnlyDictionary<string, EntryText> Enhanced);

internal sealed record ClassText(string Name, string Meaning, string Sender, string Admin);

internal sealed record LineText(string Text);

internal sealed record SubjectText(string Name, string Meaning);

internal sealed record TitleText(string Title);

/// <summary>The five texts every entry has in every language.</summary>
internal sealed record EntryText(string Title, string Meaning, string When, string Sender, string Admin);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(NeutralFile))]
[JsonSerializable(typeof(LanguageFile))]
internal sealed partial class KnowledgeJsonContext : JsonSerializerContext;

/// <summary>Reads the knowledge base files embedded in this assembly.</summary>
internal static class KnowledgeResources
{
    private const string Prefix = "Herald.Protocol.Knowledge.replies";

    public static NeutralFile LoadNeutral() =>
        Load($"{Prefix}.json", KnowledgeJsonContext.Default.NeutralFile);

    /// <summary>Every embedded language file, keyed by its language name ("en", "ar").</summary>
    public static IReadOnlyDictionary<string, LanguageFile> LoadLanguages()
    {
        var languages = new Dictionary<string, LanguageFile>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in typeof(KnowledgeResources).Assembly.GetManifestResourceNames())
        {
            if (name.StartsWith(Prefix + ".", StringComparison.Ordinal) && name != $"{Prefix}.json")
            {
                LanguageFile file = Load(name, KnowledgeJsonContext.Default.LanguageFile);
                languages.Add(file.Language, file);
            }
        }

        return languages;
    }

    private static T Load<T>(string resource, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using Stream stream = typeof(KnowledgeResources).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The knowledge base resource {resource} is missing from the assembly.");
        return JsonSerializer.Deserialize(stream, type)
            ?? throw new InvalidOperationException($"The knowledge base resource {resource} is empty.");
    }
}
