// `herald stop`: asks a running server to drain and exit, as SIGTERM does.
using System.CommandLine;
using Herald.Server.Control;

namespace Herald.Cli.Commands;

internal static class StopCommand
{
    public static Command Create()
    {
        var command = new Command("stop", "Drain a running server (idle clients get 421, messages in flight may finish) and stop it.");
        command.Options.Add(CommonOptions.Config);
        command.Options.Add(CommonOptions.Set);
        command.SetAction((parseResult, cancellationToken) => ControlCommandRunner.RunAsync(parseResult, new ControlRequest("stop"), cancellationToken));
        return command;
    }
}
