// `herald compare <code> <code>`: two replies side by side, and what sets them apart.
using System.CommandLine;
using System.Globalization;
using Herald.Protocol.Knowledge;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Herald.Cli.Commands;

internal static class CompareCommand
{
    // Square borders: four vertical lines and one space of padding on each side of three columns.
    private const int TableChrome = 4 + (3 * 2);

    /// <param name="console">Where to draw; null for the invocation's output (tests pass their own).</param>
    /// <param name="environment">Reads environment variables; null for the process environment.</param>
    public static Command Create(IAnsiConsole? console = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var first = new Argument<string>("first") { Description = "A reply code, an enhanced status code or a reply line." };
        var second = new Argument<string>("second") { Description = "The code or reply line to compare it with." };
        Option<string?> lang = ReplyScreen.LanguageOption();
        Option<bool> json = ReplyScreen.JsonOption();

        var command = new Command("compare", "Compare two SMTP reply codes or enhanced status codes side by side.");
        command.Arguments.Add(first);
        command.Arguments.Add(second);
        command.Options.Add(lang);
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            if (!ReplyScreen.TryLanguage(parseResult, lang, environment, out CultureInfo culture))
            {
                return ReplyScreen.UsageError;
            }

            CliText words = CliText.For(culture);
            var sides = new List<Side>();
            foreach (string text in new[] { parseResult.GetValue(first)!, parseResult.GetValue(second)! })
            {
                if (!ReplyLineParser.TryParse(text, out ParsedReply? reply))
                {
                    parseResult.InvocationConfiguration.Error.WriteLine(words.Format("noCode", text));
                    return ReplyScreen.UsageError;
                }

                sides.Add(new Side(text, ReplyKnowledge.Default.Explain(reply, culture)));
            }

            Side a = sides[0], b = sides[1];
            IReadOnlyList<string> differences = Differences(a, b, words);
            IAnsiConsole output = ReplyScreen.ConsoleFor(parseResult, console);
            if (parseResult.GetValue(json))
            {
                ReplyScreen.WriteRaw(output, ReplyScreen.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("language", words.Language.Name);
                    w.WritePropertyName("first");
                    ReplyScreen.WriteExplanation(w, a.Input, a.Explanation, words.Language);
                    w.WritePropertyName("second");
                    ReplyScreen.WriteExplanation(w, b.Input, b.Explanation, words.Language);
                    w.WriteStartArray("differences");
                    foreach (string difference in differences)
                    {
                        w.WriteStringValue(difference);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }
            else
            {
                output.Write(new Rows(Render(a, b, differences, words, output.Profile.Width)));
            }

            return 0;
        });
        return command;
    }

    internal static IEnumerable<IRenderable> Render(Side a, Side b, IReadOnlyList<string> differences, CliText words, int width)
    {
        bool rtl = words.IsRightToLeft;
        (string Label, Func<Side, string> Value)[] rows =
        [
            (words["title"], s => s.Primary.Title),
            (words["class"], s => ReplyScreen.ClassLine(s.Decider)),
            (words["meaning"], s => s.Primary.Meaning),
            (words["when"], s => s.Primary.WhenYouSeeIt),
            (words["senderShort"], s => s.Primary.SenderAction),
            (words["adminShort"], s => s.Primary.AdministratorAction),
            (words["retry"], s => s.Decider.RetryText),
            (words["reference"], s => s.Primary.Reference),
        ];

        // The cells are wrapped here rather than by Spectre so that each screen line can be isolated (see Bidi).
        int labelWidth = rows.Max(r => r.Label.GetCellWidth());
        int valueWidth = Math.Max((width - labelWidth - TableChrome) / 2, 12);
        var table = new Table { Border = TableBorder.Square };
        table.AddColumn(new TableColumn(string.Empty) { Width = labelWidth, NoWrap = true });
        table.AddColumn(new TableColumn(Cell(a.Label, valueWidth, rtl)) { Width = valueWidth, NoWrap = true });
        table.AddColumn(new TableColumn(Cell(b.Label, valueWidth, rtl)) { Width = valueWidth, NoWrap = true });
        foreach ((string label, Func<Side, string> value) in rows)
        {
            table.AddRow(Cell(label, labelWidth, rtl), Cell(value(a), valueWidth, rtl), Cell(value(b), valueWidth, rtl));
        }

        yield return table;
        yield return ReplyScreen.Heading(words["keyDifferences"], rtl);
        for (int i = 0; i < differences.Count; i++)
        {
            string number = string.Create(CultureInfo.InvariantCulture, $"{i + 1}. ");
            IReadOnlyList<string> lines = Bidi.Lines(differences[i], width - number.Length, rtl);
            for (int j = 0; j < lines.Count; j++)
            {
                yield return new Text((j == 0 ? number : new string(' ', number.Length)) + lines[j]);
            }
        }
    }

    /// <summary>The points that set the two apart, generated from the knowledge base.</summary>
    internal static IReadOnlyList<string> Differences(Side a, Side b, CliText words)
    {
        var differences = new List<string>();
        if (a.Decider.Class != b.Decider.Class)
        {
            differences.Add(words.Format("diffClass",
                a.Label, a.Decider.ClassName, ReplyScreen.ClassDigits(a.Decider),
                b.Label, b.Decider.ClassName, ReplyScreen.ClassDigits(b.Decider)));
        }
        else
        {
            differences.Add(words.Format("diffSameClass", a.Label, b.Label, a.Decider.ClassName, ReplyScreen.ClassDigits(a.Decider)));
        }

        if (a.Explanation.Reply.Enhanced is { } ea && b.Explanation.Reply.Enhanced is { } eb
            && ea.Subject == eb.Subject && ea.Detail == eb.Detail && ea.Class != eb.Class)
        {
            differences.Add(words.Format("diffSameEntry", ea, eb, a.Explanation.Enhanced!.Title));
        }

        if (a.Decider.Retry != b.Decider.Retry)
        {
            differences.Add(words.Format("diffRetry", a.Label, a.Decider.RetryText));
            differences.Add(words.Format("diffRetry", b.Label, b.Decider.RetryText));
        }
        else
        {
            differences.Add(words.Format("diffSameRetry", a.Decider.RetryText));
        }

        differences.Add(words.Format("diffCheck", a.Label, a.Primary.AdministratorAction));
        differences.Add(words.Format("diffCheck", b.Label, b.Primary.AdministratorAction));
        return differences;
    }

    private static Text Cell(string text, int width, bool rtl) =>
        new(string.Join('\n', Bidi.Lines(text, width, rtl)));

    /// <summary>One side of the comparison.</summary>
    internal sealed record Side(string Input, ReplyExplanation Explanation)
    {
        /// <summary>"421", "5.1.1" or "550 5.1.1": the codes as the column header shows them.</summary>
        public string Label => string.Join(' ', new[] { Explanation.Reply.Code?.ToString(), Explanation.Reply.Enhanced?.ToString() }.OfType<string>());

        /// <summary>The description whose class decides what a sender does: the basic code's when there is one.</summary>
        public ReplyDescription Decider => Explanation.Basic ?? Explanation.Enhanced!;

        /// <summary>The most specific description: a known enhanced code says more than its basic code.</summary>
        public ReplyDescription Primary => Explanation.Enhanced is { IsKnown: true } enhanced ? enhanced : Decider;
    }
}
