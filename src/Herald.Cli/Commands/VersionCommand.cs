// `herald version`: prints the version of this build.
using System.CommandLine;

namespace Herald.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version of Herald.");
        command.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Output.WriteLine($"herald {HeraldVersion.Current}");
            return 0;
        });
        return command;
    }
}
