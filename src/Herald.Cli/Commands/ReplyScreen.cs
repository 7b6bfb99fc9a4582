// Shared pieces of the explain and compare screens: console, labels, wrapped blocks and JSON shapes.
using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Herald.Protocol.Knowledge;
using Herald.Protocol.Replies;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Herald.Cli.Commands;

internal static class ReplyScreen
{
    /// <summary>EX_USAGE from sysexits.h: the input held nothing to explain.</summary>
    public const int UsageError = 64;

    private static readonly Style LabelStyle = new(decoration: Decoration.Bold);
    private static readonly Style NoteStyle = new(foreground: Color.Yellow);

    public static Option<string?> LanguageOption() => new("--lang", "-l")
    {
        Description = "Language of the explanation, e.g. en or ar (default: from LC_ALL, LC_MESSAGES or LANG, else English).",
    };

    public static Option<bool> JsonOption() => new("--json")
    {
        Description = "Print the explanation as JSON for scripts.",
    };

    /// <summary>The console to draw on: the one given (tests), else one over the invocation's output.</summary>
    public static IAnsiConsole ConsoleFor(ParseResult parseResult, IAnsiConsole? console) =>
        console ?? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parseResult.InvocationConfiguration.Output) });

    /// <summary>The language from --lang or the environment; writes the error and returns false for an unknown one.</summary>
    public static bool TryLanguage(ParseResult parseResult, Option<string?> option, Func<string, string?> environment, out CultureInfo culture)
    {
        string? value = parseResult.GetValue(option);
        if (CliLanguage.TryResolve(value, environment, out culture))
        {
            return true;
        }

        parseResult.InvocationConfiguration.Error.WriteLine(CliText.For(CultureInfo.GetCultureInfo("en")).Format("badLanguage", value));
        return false;
    }

    /// <summary>"4xx" for a reply code, "4.x.x" for an enhanced code: how RFC 5321 and RFC 3463 write a class.</summary>
    public static string ClassDigits(ReplyDescription d) =>
        d.Code.Contains('.', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.Class}.x.x")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)d.Class}xx");

    public static string ClassLine(ReplyDescription d) => $"{ClassDigits(d)} — {d.ClassName}";

    /// <summary>A bold label on its own line, then the value wrapped under it with an indent.</summary>
    public static IEnumerable<IRenderable> Field(string label, string value, int width, bool rightToLeft)
    {
        // A label is one word or two in one script; it needs no isolate (and must not start with one).
        yield return new Text(label, LabelStyle);
        foreach (string line in Bidi.Lines(value, width - 2, rightToLeft))
        {
            yield return new Text("  " + line);
        }
    }

    public static IEnumerable<IRenderable> Note(string text, int width, bool rightToLeft) =>
        Bidi.Lines(text, width - 2, rightToLeft).Select(line => new Text("  " + line, NoteStyle));

    public static Rule Heading(string title, bool rightToLeft) =>
        new Rule(Markup.Escape(Bidi.Isolate(title, rightToLeft))) { Justification = Justify.Left };

    /// <summary>Text written as is, bypassing Spectre's wrapping (JSON must not be reflowed).</summary>
    public static void WriteRaw(IAnsiConsole console, string text)
    {
        console.Profile.Out.Writer.Write(text);
        console.Profile.Out.Writer.Flush();
    }

    public static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            // Arabic stays readable in the output rather than becoming \u escapes.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static void WriteExplanation(Utf8JsonWriter json, string input, ReplyExplanation e, CultureInfo language)
    {
        json.WriteStartObject();
        json.WriteString("input", input);
        json.WriteString("language", language.Name);
        WriteNullable(json, "replyCode", e.Reply.Code?.ToString());
        WriteNullable(json, "enhancedCode", e.Reply.Enhanced?.ToString());
        json.WriteString("text", e.Reply.Text);
        json.WriteString("class", ClassName(e.Class));
        json.WriteString("retry", RetryName(e.Retry));
        json.WriteBoolean("classesAgree", e.ClassesAgree);
        WriteDescription(json, "basic", e.Basic);
        WriteDescription(json, "enhanced", e.Enhanced);
        json.WriteEndObject();
    }

    public static string ClassName(ReplyClass replyClass) => replyClass switch
    {
        ReplyClass.PositiveCompletion => "positive-completion",
        ReplyClass.PositiveIntermediate => "positive-intermediate",
        ReplyClass.TransientNegative => "transient-negative",
        _ => "permanent-negative",
    };

    public static string RetryName(RetryAdvice retry) => retry switch
    {
        RetryAdvice.RetryLater => "retry-later",
        RetryAdvice.DoNotRetry => "do-not-retry",
        _ => "not-a-failure",
    };

    private static void WriteDescription(Utf8JsonWriter json, string name, ReplyDescription? d)
    {
        if (d is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteString("code", d.Code);
        json.WriteBoolean("known", d.IsKnown);
        json.WriteString("class", ClassName(d.Class));
        json.WriteString("className", d.ClassName);
        json.WriteString("title", d.Title);
        json.WriteString("meaning", d.Meaning);
        json.WriteString("whenYouSeeIt", d.WhenYouSeeIt);
        json.WriteString("senderAction", d.SenderAction);
        json.WriteString("administratorAction", d.AdministratorAction);
        json.WriteString("retry", RetryName(d.Retry));
        json.WriteString("retryText", d.RetryText);
        json.WriteString("reference", d.Reference);
        json.WriteString("language", d.Language.Name);
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
