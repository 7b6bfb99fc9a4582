// Runs a `herald` subcommand in process against a fixed-width, colourless console and captures what it prints.
using System.CommandLine;
using Herald.Cli.Commands;
using Spectre.Console;

namespace Herald.Cli.Tests.Commands;

internal sealed record CliResult(int ExitCode, string Output, string Error);

internal static class CliRun
{
    public const int Width = 100;

    /// <summary>Runs <paramref name="args"/> with the given environment variables (none by default: English).</summary>
    public static CliResult Run(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        IAnsiConsole console = NewConsole(out StringWriter output);
        var error = new StringWriter { NewLine = "\n" };
        Func<string, string?> env = name => environment?.GetValueOrDefault(name);
        var root = new RootCommand("herald");
        root.Subcommands.Add(ExplainCommand.Create(console, env));
        root.Subcommands.Add(CompareCommand.Create(console, env));
        root.Subcommands.Add(QueueCommand.Create(console));

        int exitCode = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return new CliResult(exitCode, output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), error.ToString());
    }

    /// <summary>A console as the tests read it: <see cref="Width"/> columns, Unicode, no colour, no prompts, written to <paramref name="output"/>.</summary>
    public static IAnsiConsole NewConsole(out StringWriter output)
    {
        output = new StringWriter { NewLine = "\n" };
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = Width;
        console.Profile.Capabilities.Unicode = true;
        return console;
    }
}
