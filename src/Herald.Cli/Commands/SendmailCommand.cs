// `herald sendmail`: the sendmail command line that cron, PHP's mail(), git send-email and mailx call.
using System.CommandLine;
using System.Text;
using Herald.Cli.Configuration;
using Herald.Cli.Sendmail;

namespace Herald.Cli.Commands;

internal static class SendmailCommand
{
    public const string Name = "sendmail";

    private const string Description =
        "The sendmail command of cron, PHP's mail(), git send-email and mailx: submit a message read from standard input.";

    private const string Details =
        "Recipients, and sendmail's options in any order (-- ends them). "
        + "-t: also take recipients from the To, Cc and Bcc headers (Bcc is always removed). "
        + "-f SENDER or -fSENDER (-f '<>': the null sender). -F 'Full Name': for the From header added when there is none. "
        + "-i or -oi: a line with a single dot does not end the message. -bs: speak SMTP on standard input and output. "
        + "-bi: nothing to do. -C FILE: as --config. -odi, -oem, -v, -n, -m, -U, -N, -R, -B and other delivery flags are accepted and ignored. "
        + "Missing Date, Message-ID and From headers are added, and a Received header. With a server running on the data directory "
        + "(its control socket answers) the message is submitted over SMTP to its first listener that takes mail without AUTH or implicit TLS, whose policy applies "
        + "(relaying from 127.0.0.1 needs TrustedNetworks); otherwise it is written to the queue directory and the next herald serve "
        + "delivers it. Exit 0: accepted; 64: no recipients or a bad option; 65: a malformed address (nothing is queued); "
        + "69: refused by the running server; 75: the queue cannot be written or the server asks to try later. "
        + "Install as sendmail with `ln -s herald /usr/sbin/sendmail`: called by that name, herald reads every argument as sendmail's.";

    /// <param name="input">Standard input; null for the process's (tests pass their own).</param>
    /// <param name="output">Standard output, which -bs speaks SMTP on; null for the process's.</param>
    /// <param name="environment">Reads environment variables (USER, LOGNAME); null for the process environment.</param>
    /// <param name="time">The clock for Date and Received headers and timeouts; null for the system clock.</param>
    public static Command Create(Stream? input = null, Stream? output = null, Func<string, string?>? environment = null, TimeProvider? time = null)
    {
        var arguments = new Argument<string[]>("arguments")
        {
            Description = Details,
            Arity = ArgumentArity.ZeroOrMore,
        };

        // Sendmail's own options (-t, -oi, -fsender, ...) are not Herald options: they reach the argument as
        // written, in order, and SendmailArguments reads them the way getopt(3) would.
        var command = new Command(Name, Description) { TreatUnmatchedTokensAsErrors = false };
        command.Arguments.Add(arguments);
        command.Options.Add(CommonOptions.Config);
        command.Options.Add(CommonOptions.Set);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter error = parseResult.InvocationConfiguration.Error;
            string[] raw = parseResult.GetValue(arguments) ?? [];
            if (!SendmailArguments.TryParse(raw, out SendmailArguments? parsed, out string? usage))
            {
                await error.WriteLineAsync("herald sendmail: " + usage).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            HeraldSettings settings;
            try
            {
                string? configFile = parseResult.GetValue(CommonOptions.Config) ?? parsed.ConfigFile;
                settings = HeraldSettings.Load(HeraldConfiguration.Load(configFile, parseResult.GetValue(CommonOptions.Set) ?? []));
            }
            catch (ConfigurationException e)
            {
                await error.WriteLineAsync("herald sendmail: " + e.Message).ConfigureAwait(false);
                return ExitCodes.Config;
            }

            var context = new SendmailContext(
                input ?? Console.OpenStandardInput(),
                output ?? Console.OpenStandardOutput(),
                error,
                time ?? TimeProvider.System,
                environment ?? Environment.GetEnvironmentVariable);
            return await SendmailRunner.RunAsync(parsed, settings, context, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// True when the process was started under the name <c>sendmail</c> (a link to herald). .NET reports the
    /// path of the program it runs, not the name it was called by, so argv[0] is read from /proc on Linux;
    /// elsewhere this is false and a link needs a wrapper script that runs <c>herald sendmail "$@"</c>.
    /// </summary>
    public static bool InvokedAsSendmail()
    {
        try
        {
            if (!File.Exists("/proc/self/cmdline"))
            {
                return false;
            }

            byte[] cmdline = File.ReadAllBytes("/proc/self/cmdline");
            int end = Array.IndexOf(cmdline, (byte)0);
            string argv0 = Encoding.UTF8.GetString(cmdline, 0, end < 0 ? cmdline.Length : end);
            return Path.GetFileName(argv0) == Name;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
