// `herald serve`: runs the SMTP server and local delivery until SIGTERM or Ctrl-C.
using System.CommandLine;
using Herald.Admin;
using Herald.Cli.Configuration;
using Herald.Cli.Hosting;
using Herald.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the SMTP server and local delivery (stop with SIGTERM or Ctrl-C).");
        command.Options.Add(CommonOptions.Config);
        command.Options.Add(CommonOptions.Set);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter error = parseResult.InvocationConfiguration.Error;
            HeraldSettings settings;
            try
            {
                settings = CommonOptions.LoadSettings(parseResult);
            }
            catch (ConfigurationException e)
            {
                await error.WriteLineAsync("herald: " + e.Message).ConfigureAwait(false);
                return ExitCodes.Config;
            }

            using IHost host = HeraldHost.Build(settings);
            try
            {
                // Bind first: a port in use is one clear line, before the queue or anything else starts.
                host.Services.GetRequiredService<SmtpServer>().Bind();
                if (host.Services.GetService<AdminServer>() is { } admin)
                {
                    await admin.BindAsync(CancellationToken.None).ConfigureAwait(false);
                }

                await host.RunAsync(CancellationToken.None).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (ListenerBindException e)
            {
                await error.WriteLineAsync("herald: " + e.Message).ConfigureAwait(false);
                return ExitCodes.OsError;
            }
            catch (UnauthorizedAccessException e)
            {
                await error.WriteLineAsync($"herald: cannot use the data directory '{settings.DataDirectory}': {e.Message}").ConfigureAwait(false);
                return ExitCodes.CantCreate;
            }
        });
        return command;
    }
}
