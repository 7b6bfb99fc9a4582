// `herald maintenance on|off [--message TEXT]`: flips a running server into or out of maintenance mode.
using System.CommandLine;
using Herald.Server.Control;

namespace Herald.Cli.Commands;

internal static class MaintenanceCommand
{
    public static Command Create()
    {
        var state = new Argument<string>("state") { Description = "on or off" };
        state.AcceptOnlyFromAmong("on", "off");
        var message = new Option<string?>("--message", "-m") { Description = "Words for the 421 reply while maintenance is on." };
        var command = new Command("maintenance", "Switch a running server's maintenance mode: new connections and transactions get 421 4.3.2.");
        command.Arguments.Add(state);
        command.Options.Add(message);
        command.Options.Add(CommonOptions.Config);
        command.Options.Add(CommonOptions.Set);
        command.SetAction((parseResult, cancellationToken) => ControlCommandRunner.RunAsync(
            parseResult,
            new ControlRequest("maintenance", parseResult.GetValue(state) == "on", parseResult.GetValue(message)),
            cancellationToken));
        return command;
    }
}
