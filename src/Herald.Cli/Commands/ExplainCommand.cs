// `herald explain <code-or-reply-line>`: what a reply code, an enhanced status code or a pasted reply means.
using System.CommandLine;
using System.Globalization;
using Herald.Protocol.Knowledge;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Herald.Cli.Commands;

internal static class ExplainCommand
{
    /// <param name="console">Where to draw; null for the invocation's output (tests pass their own).</param>
    /// <param name="environment">Reads environment variables; null for the process environment.</param>
    public static Command Create(IAnsiConsole? console = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var input = new Argument<string[]>("code-or-reply")
        {
            Description = "A reply code (421), an enhanced status code (4.7.1), or a whole reply line from a log or bounce.",
            Arity = ArgumentArity.OneOrMore,
        };
        Option<string?> lang = ReplyScreen.LanguageOption();
        Option<bool> json = ReplyScreen.JsonOption();

        var command = new Command("explain", "Explain an SMTP reply code, an enhanced status code, or a reply line.");
        command.Arguments.Add(input);
        command.Options.Add(lang);
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            // Words pasted without quotes arrive as several tokens; they are one reply.
            string text = string.Join(' ', parseResult.GetValue(input) ?? []);
            if (!ReplyScreen.TryLanguage(parseResult, lang, environment, out CultureInfo culture))
            {
                return ReplyScreen.UsageError;
            }

            CliText words = CliText.For(culture);
            if (!ReplyLineParser.TryParse(text, out ParsedReply? reply))
            {
                parseResult.InvocationConfiguration.Error.WriteLine(words.Format("noCode", text));
                return ReplyScreen.UsageError;
            }

            ReplyExplanation explanation = ReplyKnowledge.Default.Explain(reply, culture);
            IAnsiConsole output = ReplyScreen.ConsoleFor(parseResult, console);
            if (parseResult.GetValue(json))
            {
                ReplyScreen.WriteRaw(output, ReplyScreen.Json(w => ReplyScreen.WriteExplanation(w, text, explanation, words.Language)));
            }
            else
            {
                output.Write(new Rows(Render(explanation, words, output.Profile.Width)));
            }

            return 0;
        });
        return command;
    }

    /// <summary>The reply text, then one block per code, then a warning if their classes disagree.</summary>
    internal static IEnumerable<IRenderable> Render(ReplyExplanation explanation, CliText words, int width)
    {
        bool rtl = words.IsRightToLeft;
        if (explanation.Reply.Text.Length > 0)
        {
            foreach (IRenderable line in ReplyScreen.Field(words["replyText"], explanation.Reply.Text, width, rtl))
            {
                yield return line;
            }
        }

        foreach ((string label, ReplyDescription? d) in new[] { (words["replyCode"], explanation.Basic), (words["enhancedCode"], explanation.Enhanced) })
        {
            if (d is null)
            {
                continue;
            }

            yield return ReplyScreen.Heading($"{label} {d.Code} — {d.Title}", rtl);
            if (!d.IsKnown)
            {
                foreach (IRenderable line in ReplyScreen.Note(words["unknown"], width, rtl))
                {
                    yield return line;
                }
            }

            (string Label, string Value)[] fields =
            [
                (words["class"], ReplyScreen.ClassLine(d)),
                (words["meaning"], d.Meaning),
                (words["when"], d.WhenYouSeeIt),
                (words["sender"], d.SenderAction),
                (words["admin"], d.AdministratorAction),
                (words["retry"], d.RetryText),
                (words["reference"], d.Reference),
            ];
            foreach ((string fieldLabel, string value) in fields)
            {
                foreach (IRenderable line in ReplyScreen.Field(fieldLabel, value, width, rtl))
                {
                    yield return line;
                }
            }
        }

        if (!explanation.ClassesAgree)
        {
            string mismatch = words.Format("mismatch", explanation.Reply.Enhanced, explanation.Reply.Code);
            foreach (IRenderable line in ReplyScreen.Note(mismatch, width, rtl))
            {
                yield return line;
            }
        }
    }
}
