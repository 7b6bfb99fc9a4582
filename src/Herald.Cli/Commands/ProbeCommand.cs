// `herald probe <domain | host[:port]>`: can mail be delivered there now, and if not, why not.
using System.CommandLine;
using System.Globalization;
using Herald.Cli.Configuration;
using Herald.Cli.Probing;
using Herald.Dns;
using Herald.Protocol.Addresses;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Herald.Cli.Commands;

internal static class ProbeCommand
{
    /// <param name="console">Where to draw; null for the invocation's output (tests pass their own).</param>
    /// <param name="environment">Reads environment variables; null for the process environment.</param>
    /// <param name="time">The clock for timings and step deadlines; null for the system clock.</param>
    public static Command Create(IAnsiConsole? console = null, Func<string, string?>? environment = null, TimeProvider? time = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        time ??= TimeProvider.System;
        var target = new Argument<string>("target")
        {
            Description = "A mail domain (its MX records are resolved: null MX, NXDOMAIN, implicit MX; every address of each host is probed), "
                + "or one host as host:port, an IP address or [IPv6]:port. Exit 0: a host accepts mail (and the recipient); "
                + "75: transient failure (421, 4xx, timeouts, DNS failure); 69: permanent failure or null MX (521, 5xx); 68: no such domain.",
        };
        var rcpt = new Option<string?>("--rcpt")
        {
            Description = "Go on with MAIL FROM:<> and RCPT TO:<address> and report the answer (no DATA is sent).",
        };
        var dns = new Option<string[]>("--dns")
        {
            Description = "DNS server to ask, as ip or ip:port (repeatable). Default: Dns:Servers from the configuration, else the system's resolver.",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var port = new Option<int>("--port")
        {
            Description = "SMTP port of the MX hosts and of a host given without one.",
            DefaultValueFactory = _ => 25,
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for each step: a lookup, a connect, a handshake or one reply.",
            DefaultValueFactory = _ => 10,
        };
        Option<string?> lang = ReplyScreen.LanguageOption();
        Option<bool> json = ReplyScreen.JsonOption();

        json.Description = "Print the report as JSON for scripts.";
        var command = new Command("probe", "Probe where mail for a domain goes: MX hosts, greeting, EHLO, STARTTLS and RCPT, each reply explained.");
        command.Arguments.Add(target);
        command.Options.Add(rcpt);
        command.Options.Add(dns);
        command.Options.Add(port);
        command.Options.Add(timeout);
        command.Options.Add(json);
        command.Options.Add(lang);
        command.Options.Add(CommonOptions.Config);
        command.Options.Add(CommonOptions.Set);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter error = parseResult.InvocationConfiguration.Error;
            if (!ReplyScreen.TryLanguage(parseResult, lang, environment, out CultureInfo culture))
            {
                return ExitCodes.Usage;
            }

            CliText words = CliText.For(culture);
            if (!ProbeTarget.TryParse(parseResult.GetValue(target), out ProbeTarget? probeTarget, out string? targetError))
            {
                await error.WriteLineAsync(words.Format("probe.error.target", targetError)).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string? recipient = parseResult.GetValue(rcpt);
            if (recipient is not null)
            {
                recipient = recipient.Trim().TrimStart('<').TrimEnd('>');
                if (!MailboxGrammar.TryParseMailbox(recipient, out _))
                {
                    await error.WriteLineAsync(words.Format("probe.error.rcpt", recipient)).ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
            }

            int smtpPort = parseResult.GetValue(port);
            if (smtpPort is < 1 or > 65535)
            {
                await error.WriteLineAsync(words.Format("probe.error.port", smtpPort)).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            double seconds = parseResult.GetValue(timeout);
            if (!(seconds is >= 0.1 and <= 300))
            {
                await error.WriteLineAsync(words.Format("probe.error.timeout", seconds.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string[] servers = parseResult.GetValue(dns) ?? [];
            foreach (string server in servers)
            {
                if (!DnsServerEndpoint.TryParse(server, out _, out string? serverError))
                {
                    await error.WriteLineAsync(words.Format("probe.error.dns", serverError)).ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
            }

            DnsOptions dnsOptions;
            string heloName;
            try
            {
                IConfiguration configuration = HeraldConfiguration.Load(parseResult.GetValue(CommonOptions.Config), parseResult.GetValue(CommonOptions.Set) ?? []);
                heloName = HeraldSettings.Load(configuration).Server.Hostname;
                dnsOptions = LoadDnsOptions(configuration, servers);
            }
            catch (ConfigurationException e)
            {
                await error.WriteLineAsync("herald probe: " + e.Message).ConfigureAwait(false);
                return ExitCodes.Config;
            }

            var settings = new ProbeSettings(smtpPort, TimeSpan.FromSeconds(seconds), recipient, heloName);
            var probe = new MailProbe(new DnsMxResolver(dnsOptions, time), settings, time);
            IAnsiConsole output = ReplyScreen.ConsoleFor(parseResult, console);
            bool asJson = parseResult.GetValue(json);

            // The live display is for a person at a terminal: never in JSON, never into a pipe or a file.
            bool live = !asJson && output.Profile.Capabilities.Interactive && (console is not null || !Console.IsOutputRedirected);
            ProbeReport report = live
                ? await output.Status().StartAsync(
                    Markup.Escape(words.Format("probe.progress.start", probeTarget.Input)),
                    context => probe.RunAsync(probeTarget, new StatusProgress(context, words), cancellationToken)).ConfigureAwait(false)
                : await probe.RunAsync(probeTarget, null, cancellationToken).ConfigureAwait(false);

            if (asJson)
            {
                ReplyScreen.WriteRaw(output, ProbeJson.Write(report, words.Language));
            }
            else
            {
                var screen = new ProbeScreen(words, culture, output.Profile.Width, settings.StepTimeout, time.GetUtcNow());
                output.Write(new Rows(screen.Render(report)));
            }

            return report.ExitCode;
        });
        return command;
    }

    /// <summary>The <c>Dns</c> section of the configuration, its servers replaced by those of --dns when any were given.</summary>
    private static DnsOptions LoadDnsOptions(IConfiguration configuration, string[] servers)
    {
        var options = new DnsOptions();
        try
        {
            configuration.GetSection(HeraldConfiguration.Section + ":" + DnsOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException(e.Message);
        }

        if (servers.Length > 0)
        {
            options.Servers.Clear();
            foreach (string server in servers)
            {
                options.Servers.Add(server);
            }
        }

        IReadOnlyList<string> errors = options.Validate();
        return errors.Count == 0
            ? options
            : throw new ConfigurationException("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  Herald:" + e)));
    }

    /// <summary>Shows each step in the live status line as it starts; synchronous, so no update arrives after the end.</summary>
    private sealed class StatusProgress(StatusContext context, CliText words) : IProgress<ProbeActivity>
    {
        public void Report(ProbeActivity value) => context.Status = Markup.Escape(words.Format(value.Key, value.Subject));
    }
}
