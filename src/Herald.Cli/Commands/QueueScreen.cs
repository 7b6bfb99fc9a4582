// How `herald queue` draws its results for people: a table for list, a card for show, one line for the rest.
using System.Globalization;
using Herald.Queue.Operations;
using Herald.Queue.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Herald.Cli.Commands;

internal static class QueueScreen
{
    private static readonly Style Bold = new(decoration: Decoration.Bold);
    private static readonly Style Held = new(foreground: Color.Yellow);

    public static void List(IAnsiConsole console, IReadOnlyList<MessageView> messages, QueueMode mode)
    {
        if (messages.Count == 0)
        {
            console.WriteLine("The queue is empty.");
            return;
        }

        // Like mailq, a message takes a few lines: id, arrival, next attempt, size and hold state are stacked in
        // the first column, so that the id and times never wrap and addresses and replies get the rest of the width.
        var table = new Table { Border = TableBorder.Square, ShowRowSeparators = true };
        table.AddColumn(new TableColumn(new Text("Message", Bold)).NoWrap());
        table.AddColumn(new TableColumn(new Text("Sender", Bold)));
        table.AddColumn(new TableColumn(new Text("Recipients", Bold)));
        table.AddColumn(new TableColumn(new Text("Last reply", Bold)));

        foreach (MessageView message in messages)
        {
            var about = new List<IRenderable>
            {
                new Text(message.Id),
                new Text("arrived " + Time(message.ArrivedAt)),
                new Text("next    " + Time(message.NextAttempt)),
                new Text(string.Create(CultureInfo.InvariantCulture, $"{message.Size} octets")),
            };
            if (message.Held)
            {
                about.Add(new Text("on hold", Held));
            }

            table.AddRow(
                new Rows(about),
                new Text(Sender(message.Sender)),
                new Text(string.Join('\n', message.Recipients.Select(r => $"{r.Address} {r.State}"))),
                new Text(message.LastReply ?? "-"));
        }

        console.Write(table);
        int held = messages.Count(m => m.Held);
        console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{messages.Count} message(s), {held} on hold, {messages.Sum(m => m.Recipients.Count(r => r.State is "pending" or "deferred"))} recipient(s) to deliver."));
    }

    public static void Show(IAnsiConsole console, MessageDetailView detail, QueueMode mode)
    {
        MessageView message = detail.Message;
        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap());
        grid.AddColumn();
        void Row(string label, string value) => grid.AddRow(new Text(label, Bold), new Text(value));

        Row("Queue id", message.Id + (message.Held ? " (on hold: not delivered until released)" : string.Empty));
        Row("Arrived", Time(message.ArrivedAt));
        Row("Sender", Sender(message.Sender));
        Row("Client", $"{detail.ClientAddress} (EHLO {detail.HeloName})"
            + (detail.AuthenticatedAs is { } user ? $", authenticated as {user}" : string.Empty));
        Row("Size", string.Create(CultureInfo.InvariantCulture, $"{message.Size} octets")
            + (detail.DeclaredSize is { } declared ? string.Create(CultureInfo.InvariantCulture, $" (SIZE={declared})") : string.Empty)
            + $", BODY={detail.Body.ToUpperInvariant()}" + (detail.SmtpUtf8 ? ", SMTPUTF8" : string.Empty));
        if (detail.Return is not null || detail.EnvelopeId is not null)
        {
            Row("DSN", Parameters(detail.Return is { } ret ? "RET=" + ret : null, detail.EnvelopeId is { } envid ? "ENVID=" + envid : null));
        }

        console.Write(grid);

        // One block per recipient rather than a table: the last reply is the longest field, and reads best whole.
        console.WriteLine();
        var recipients = new Grid();
        recipients.AddColumn(new GridColumn().NoWrap());
        recipients.AddColumn();
        foreach (RecipientView r in message.Recipients)
        {
            recipients.AddRow(new Text(r.Address, Bold), new Text(string.Create(CultureInfo.InvariantCulture, $"{r.State}, {r.Attempts} attempt(s)")));
            recipients.AddRow(new Text("  last attempt"), new Text(Time(r.LastAttempt)));
            recipients.AddRow(new Text("  next attempt"), new Text(Time(r.NextAttempt)));
            recipients.AddRow(new Text("  last reply"), new Text(r.LastReply ?? "-"));
            if (r.Notify is not null || r.OriginalRecipient is not null)
            {
                recipients.AddRow(new Text("  DSN"), new Text(Parameters(r.Notify is { } notify ? "NOTIFY=" + notify : null, r.OriginalRecipient is { } orcpt ? "ORCPT=" + orcpt : null)));
            }
        }

        console.Write(recipients);
        console.WriteLine();
        console.Write(new Text("Headers" + (detail.HeadersTruncated ? $" (first {detail.Headers.Count} lines)" : string.Empty) + ":", Bold));
        console.WriteLine();

        // Header lines are printed as they are, never wrapped or interpreted as markup.
        foreach (string line in detail.Headers)
        {
            ReplyScreen.WriteRaw(console, "  " + line + "\n");
        }

        if (detail.HeadersTruncated)
        {
            ReplyScreen.WriteRaw(console, "  ...\n");
        }
    }

    public static void Flush(IAnsiConsole console, FlushView flush, QueueMode mode)
    {
        int recipients = flush.Messages.Sum(m => m.Recipients);
        console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Flushed {flush.Messages.Count} message(s): {recipients} deferred recipient(s) to be tried now."));
        if (flush.SkippedHeld > 0)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{flush.SkippedHeld} message(s) on hold left alone: release them first."));
        }

        if (mode == QueueMode.Stopped && flush.Messages.Count > 0)
        {
            console.WriteLine("The server is not running: they are tried as soon as it starts.");
        }
    }

    public static void Action(IAnsiConsole console, ActionView action, QueueMode mode)
    {
        string line = action.Action switch
        {
            "deleted" => $"{action.Id} deleted from the queue (the sender is not told).",
            "held" => $"{action.Id} is on hold: it is not delivered until `herald queue release {action.Id}`.",
            "released" => $"{action.Id} released for delivery.",
            _ => Bounced(action),
        };
        console.WriteLine(line);
    }

    public static void Destinations(IAnsiConsole console, DestinationsView view, QueueMode mode)
    {
        if (view.Destinations is null)
        {
            console.WriteLine(mode == QueueMode.Stopped
                ? "No outbound state: the server is not running."
                : "No outbound state: this server has no outbound delivery engine.");
            return;
        }

        if (view.Destinations.Count == 0)
        {
            console.WriteLine("No destinations: nothing is being delivered to other hosts.");
            return;
        }

        var table = new Table { Border = TableBorder.Square };
        foreach (string column in (string[])["Destination", "State", "Connections", "Push-backs", "Backoff until", "Last attempt", "Last reply"])
        {
            table.AddColumn(new TableColumn(new Text(column, Bold)));
        }

        foreach (DestinationStatus d in view.Destinations)
        {
            table.AddRow(
                new Text(d.Destination),
                new Text(d.State),
                new Text(string.Create(CultureInfo.InvariantCulture, $"{d.ActiveConnections}/{d.ConcurrencyLimit}")),
                new Text(d.ConsecutivePushBacks.ToString(CultureInfo.InvariantCulture)),
                new Text(Time(d.BackoffUntil)),
                new Text(Time(d.LastAttempt)),
                new Text(d.LastReply ?? "-"));
        }

        console.Write(table);
    }

    /// <summary>UTC, to the second, in the one order that sorts: 2030-05-06 07:08:09Z.</summary>
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    private static string Sender(string sender) => sender.Length == 0 ? "<>" : sender;

    private static string Bounced(ActionView action)
    {
        if (action.Recipients is not { Count: > 0 } recipients)
        {
            return $"{action.Id}: every recipient was already delivered or bounced; the message left the queue.";
        }

        string who = string.Join(", ", recipients);
        return action.ReportTo is { } to
            ? $"{action.Id}: gave up on {who}; a report ({QueueOperations.BounceStatus} {QueueOperations.BounceText}) is queued for <{to}>."
            : $"{action.Id}: gave up on {who}; no report, as {action.NoReport}.";
    }

    /// <summary>The ESMTP parameters that were given, as "A=x, B=y".</summary>
    private static string Parameters(params string?[] given) => string.Join(", ", given.OfType<string>());
}
