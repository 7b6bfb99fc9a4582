// `herald greylist list|allow|purge`: inspect and adjust the greylisting state of the data directory.
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Herald.Cli.Configuration;
using Herald.Cli.Hosting;
using Herald.Policy.Greylisting;
using Herald.Protocol.Addresses;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary>
/// Works on <c>&lt;DataDirectory&gt;/greylist.db</c> directly, whether or not the server runs: the
/// embedded store is SQLite in WAL mode, which lets the server and this command share it. In cluster mode
/// (<c>Cluster:Redis</c>) it works on the cluster's entries in Redis instead, shared by every instance.
/// </summary>
internal static class GreylistCommand
{
    public static Command Create(IAnsiConsole? console = null)
    {
        var command = new Command("greylist", "Inspect the greylisting state: list triplets, let one through, purge old entries.");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Allow());
        command.Subcommands.Add(Purge());
        return command;
    }

    private static Command List(IAnsiConsole? console)
    {
        Option<bool> json = ReplyScreen.JsonOption();
        var command = new Command("list", "List remembered triplets (client network, sender, recipient).");
        AddCommon(command);
        command.Options.Add(json);
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, async store =>
        {
            IReadOnlyList<GreylistEntry> entries = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            IAnsiConsole output = ReplyScreen.ConsoleFor(parseResult, console);
            if (parseResult.GetValue(json))
            {
                ReplyScreen.WriteRaw(output, JsonSerializer.Serialize(entries.Select(e => new
                {
                    network = e.Triplet.ClientNetwork,
                    sender = e.Triplet.Sender,
                    recipient = e.Triplet.Recipient,
                    firstSeen = e.FirstSeen,
                    lastSeen = e.LastSeen,
                    passed = e.Passed,
                    expires = e.Expires,
                })));
                return ExitCodes.Ok;
            }

            if (entries.Count == 0)
            {
                output.WriteLine("No greylisting entries.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Client network", "Sender", "Recipient", "First seen", "Last seen", "State", "Expires");
            foreach (GreylistEntry e in entries)
            {
                table.AddRow(
                    Markup.Escape(e.Triplet.ClientNetwork), Markup.Escape(e.Triplet.Sender), Markup.Escape(e.Triplet.Recipient),
                    Time(e.FirstSeen), Time(e.LastSeen), e.Passed ? "passed" : "waiting", Time(e.Expires));
            }

            output.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Allow()
    {
        var client = new Argument<string>("client") { Description = "The client's IP address (its /24 or /64 is what is remembered)." };
        var sender = new Argument<string>("sender") { Description = "The envelope sender; <> for the null sender." };
        var recipient = new Argument<string>("recipient") { Description = "The recipient address." };
        var command = new Command("allow", "Let one triplet through at once, as if it had retried after the delay.");
        command.Arguments.Add(client);
        command.Arguments.Add(sender);
        command.Arguments.Add(recipient);
        AddCommon(command);
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, async store =>
        {
            TextWriter error = parseResult.InvocationConfiguration.Error;
            if (!IPAddress.TryParse(parseResult.GetValue(client), out IPAddress? address))
            {
                await error.WriteLineAsync($"herald: '{parseResult.GetValue(client)}' is not an IP address.").ConfigureAwait(false);
                return ExitCodes.DataError;
            }

            string from = parseResult.GetValue(sender)!.Trim('<', '>');
            string to = parseResult.GetValue(recipient)!.Trim('<', '>');
            if ((from.Length > 0 && !MailboxGrammar.TryParseMailbox(from, out _)) || !MailboxGrammar.TryParseMailbox(to, out _))
            {
                await error.WriteLineAsync("herald: sender and recipient must be addresses (local-part@domain); use <> for the null sender.").ConfigureAwait(false);
                return ExitCodes.DataError;
            }

            GreylistTriplet triplet = GreylistTriplet.For(address, from.Length == 0 ? null : from, to);
            await store.AllowAsync(triplet, TimeSpan.FromDays(36), cancellationToken).ConfigureAwait(false);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                $"allowed: {triplet.ClientNetwork} {triplet.Sender} -> {triplet.Recipient}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Purge()
    {
        var all = new Option<bool>("--all") { Description = "Remove every entry, not only expired ones." };
        var command = new Command("purge", "Remove expired entries (or all with --all).");
        command.Options.Add(all);
        AddCommon(command);
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, async store =>
        {
            int removed = await store.PurgeAsync(parseResult.GetValue(all), cancellationToken).ConfigureAwait(false);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                string.Create(CultureInfo.InvariantCulture, $"removed {removed} entr{(removed == 1 ? "y" : "ies")}")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void AddCommon(Command command)
    {
        command.Options.Add(CommonOptions.Config);
        command.Options.Add(CommonOptions.Set);
    }

    private static async Task<int> RunAsync(ParseResult parseResult, Func<IGreylistStore, Task<int>> action)
    {
        HeraldSettings settings;
        try
        {
            settings = CommonOptions.LoadSettings(parseResult);
        }
        catch (ConfigurationException e)
        {
            await parseResult.InvocationConfiguration.Error.WriteLineAsync("herald: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Config;
        }

        await using CommandStores stores = await CommandStores.OpenAsync(settings).ConfigureAwait(false);
        try
        {
            return await action(stores.Greylist()).ConfigureAwait(false);
        }
        catch (GreylistStoreException e)
        {
            await parseResult.InvocationConfiguration.Error.WriteLineAsync("herald: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
