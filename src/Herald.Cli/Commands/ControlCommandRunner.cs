// Shared body of the commands that talk to a running server over the control channel.
using System.CommandLine;
using Herald.Cli.Configuration;
using Herald.Cli.Control;
using Herald.Server.Control;

namespace Herald.Cli.Commands;

internal static class ControlCommandRunner
{
    public static async Task<int> RunAsync(ParseResult parseResult, ControlRequest request, CancellationToken cancellationToken)
    {
        TextWriter output = parseResult.InvocationConfiguration.Output;
        TextWriter error = parseResult.InvocationConfiguration.Error;
        try
        {
            HeraldSettings settings = CommonOptions.LoadSettings(parseResult);
            ControlResponse response = await ControlClient.SendAsync(settings.DataDirectory, request, cancellationToken).ConfigureAwait(false);
            await (response.Ok ? output : error).WriteLineAsync(response.Text).ConfigureAwait(false);
            return response.Ok ? ExitCodes.Ok : ExitCodes.Software;
        }
        catch (ConfigurationException e)
        {
            await error.WriteLineAsync("herald: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Config;
        }
        catch (ControlChannelException e)
        {
            await error.WriteLineAsync("herald: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }
    }
}
