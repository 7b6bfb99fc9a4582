// `herald version`: prints the version of this build.
using System.CommandLine;
using System.Reflection;

namespace Herald.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version of Herald.");
        command.SetAction(parseResult =>
        {
            string version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            parseResult.InvocationConfiguration.Output.WriteLine($"herald {version}");
            return 0;
        });
        return command;
    }
}
