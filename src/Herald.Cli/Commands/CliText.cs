// The words of the explain and compare screens in one language, read from the embedded cli.{language}.json.
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace Herald.Cli.Commands;

/// <summary>Screen words for one language, found through the culture's parents with English as the fallback.</summary>
internal sealed class CliText
{
    private const string Prefix = "Herald.Cli.Resources.cli.";

    private static readonly Lazy<FrozenDictionary<string, FrozenDictionary<string, string>>> All = new(Load);

    private readonly FrozenDictionary<string, string> _words;

    private CliText(CultureInfo language, FrozenDictionary<string, string> words)
    {
        Language = language;
        _words = words;
    }

    /// <summary>The language the words are in, after falling back.</summary>
    public CultureInfo Language { get; }

    /// <summary>True for Arabic and other right-to-left scripts: their lines are isolated for the terminal (see Bidi).</summary>
    public bool IsRightToLeft => Language.TextInfo.IsRightToLeft;

    public string this[string key] => _words[key];

    public static CliText For(CultureInfo culture)
    {
        for (CultureInfo current = culture; !string.IsNullOrEmpty(current.Name); current = current.Parent)
        {
            if (All.Value.TryGetValue(current.Name, out FrozenDictionary<string, string>? words))
            {
                return new CliText(CultureInfo.GetCultureInfo(current.Name), words);
            }
        }

        return new CliText(CultureInfo.GetCultureInfo("en"), All.Value["en"]);
    }

    public string Format(string key, params object?[] args) => string.Format(CultureInfo.InvariantCulture, _words[key], args);

    private static FrozenDictionary<string, FrozenDictionary<string, string>> Load()
    {
        var languages = new Dictionary<string, FrozenDictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in typeof(CliText).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using Stream stream = typeof(CliText).Assembly.GetManifestResourceStream(name)!;
            Dictionary<string, string> words = JsonSerializer.Deserialize(stream, CliJsonContext.Default.DictionaryStringString)
                ?? throw new InvalidOperationException($"{name} is empty.");
            languages.Add(words["language"], words.ToFrozenDictionary());
        }

        return languages.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CliJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
