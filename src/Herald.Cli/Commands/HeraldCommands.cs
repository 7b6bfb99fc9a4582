// The list of `herald` subcommands; each lives in its own file and is registered here.
using System.CommandLine;

namespace Herald.Cli.Commands;

internal static class HeraldCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return ServeCommand.Create();
        yield return StopCommand.Create();
        yield return MaintenanceCommand.Create();
        yield return GreylistCommand.Create();
        yield return UserCommand.Create();
        yield return VersionCommand.Create();
        yield return ExplainCommand.Create();
        yield return CompareCommand.Create();
        yield return QueueCommand.Create();
        yield return ProbeCommand.Create();
        yield return SendmailCommand.Create();
    }
}
