// `herald queue list|show|flush|delete|hold|release|bounce|destinations`: the queue, on a running server or a stopped one.
using System.CommandLine;
using System.Text.Json;
using Herald.Bounces;
using Herald.Cli.Configuration;
using Herald.Cli.Control;
using Herald.Cli.Hosting;
using Herald.Delivery.Outbound.Destinations;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.Queue.Operations;
using Herald.Queue.Reports;
using Herald.Server.Control;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary>Whether the command went through a running server or opened the queue of a stopped one.</summary>
internal enum QueueMode
{
    Running,
    Stopped,
}

/// <summary>
/// The <c>herald queue</c> commands. Each first asks a running server over the control channel (so the live
/// queue and delivery engine act, and nothing else writes the queue files at the same time); when no server
/// answers on the data directory's control socket, it opens the queue directory itself.
/// </summary>
internal static class QueueCommand
{
    /// <param name="console">Where to draw; null for the invocation's output (tests pass their own).</param>
    public static Command Create(IAnsiConsole? console = null)
    {
        var queue = new Command("queue", "Inspect and manage the mail queue of a running or stopped server.");
        queue.Subcommands.Add(Leaf(
            "list", "List queued messages: id, arrival, sender, size, recipients and their state, next attempt, last reply.",
            IdArgument.None, "queue-list", (ops, _, ct) => ops.ListAsync(ct), QueueScreen.List, console));
        queue.Subcommands.Add(Leaf(
            "show", "Show one message: envelope, every recipient with attempts and last reply, and its first header lines.",
            IdArgument.Required, "queue-show", (ops, id, ct) => ops.ShowAsync(id!, ct), QueueScreen.Show, console));
        queue.Subcommands.Add(Leaf(
            "flush", "Retry now: the next attempt of deferred recipients (of one message, or of all) becomes now.",
            IdArgument.Optional, "queue-flush", (ops, id, ct) => ops.FlushAsync(id, ct), QueueScreen.Flush, console));
        queue.Subcommands.Add(Leaf(
            "delete", "Delete a message from the queue without telling its sender.",
            IdArgument.Required, "queue-delete", (ops, id, ct) => ops.DeleteAsync(id!, ct), QueueScreen.Action, console));
        queue.Subcommands.Add(Leaf(
            "hold", "Put a message on hold: it is not delivered until released.",
            IdArgument.Required, "queue-hold", (ops, id, ct) => ops.HoldAsync(id!, hold: true, ct), QueueScreen.Action, console));
        queue.Subcommands.Add(Leaf(
            "release", "Release a held message for delivery.",
            IdArgument.Required, "queue-release", (ops, id, ct) => ops.HoldAsync(id!, hold: false, ct), QueueScreen.Action, console));
        queue.Subcommands.Add(Leaf(
            "bounce", "Give up on every recipient not yet delivered: the sender gets a bounce (5.0.0) and the message leaves the queue.",
            IdArgument.Required, "queue-bounce", (ops, id, ct) => ops.BounceAsync(id!, ct), QueueScreen.Action, console));
        queue.Subcommands.Add(Leaf(
            "destinations", "Show the outbound delivery engine's state per destination host.",
            IdArgument.None, "queue-destinations", (ops, _, ct) => ops.DestinationsAsync(ct), QueueScreen.Destinations, console));
        return queue;
    }

    private enum IdArgument
    {
        None,
        Optional,
        Required,
    }

    private static Command Leaf<T>(
        string name,
        string description,
        IdArgument idArgument,
        string controlCommand,
        Func<QueueOperations, string?, CancellationToken, Task<T>> direct,
        Action<IAnsiConsole, T, QueueMode> render,
        IAnsiConsole? console)
    {
        var command = new Command(name, description);
        Argument<string?>? id = null;
        if (idArgument != IdArgument.None)
        {
            id = new Argument<string?>("id")
            {
                Description = idArgument == IdArgument.Optional ? "A queue id; all messages when left out." : "A queue id, as `herald queue list` shows it.",
                Arity = idArgument == IdArgument.Optional ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
            };
            command.Arguments.Add(id);
        }

        var json = new Option<bool>("--json") { Description = "Print the result as JSON for scripts." };
        command.Options.Add(json);
        command.Options.Add(CommonOptions.Config);
        command.Options.Add(CommonOptions.Set);
        command.SetAction((parseResult, cancellationToken) =>
        {
            string? value = id is null ? null : parseResult.GetValue(id);
            return RunAsync(parseResult, console, parseResult.GetValue(json), new ControlRequest(controlCommand, Id: value), direct, render, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync<T>(
        ParseResult parseResult,
        IAnsiConsole? console,
        bool json,
        ControlRequest request,
        Func<QueueOperations, string?, CancellationToken, Task<T>> direct,
        Action<IAnsiConsole, T, QueueMode> render,
        CancellationToken cancellationToken)
    {
        TextWriter error = parseResult.InvocationConfiguration.Error;
        if (request.Id is { } id && !QueueId.TryParse(id, out _))
        {
            await error.WriteLineAsync("herald: " + QueueOperations.BadIdMessage(id)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            HeraldSettings settings = CommonOptions.LoadSettings(parseResult);
            (T result, QueueMode mode) = await ExecuteAsync(settings, request, direct, cancellationToken).ConfigureAwait(false);
            IAnsiConsole output = ReplyScreen.ConsoleFor(parseResult, console);
            if (json)
            {
                ReplyScreen.WriteRaw(output, QueueJson.Serialize(result));
            }
            else
            {
                render(output, result, mode);
            }

            return ExitCodes.Ok;
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
        catch (QueueOperationException e)
        {
            await error.WriteLineAsync("herald: " + e.Message).ConfigureAwait(false);
            return e.Kind == QueueErrorKind.NotFound ? ExitCodes.DataError : ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            await error.WriteLineAsync("herald: cannot use the queue: " + e.Message).ConfigureAwait(false);
            return ExitCodes.OsError;
        }
    }

    /// <summary>Through the running server when its control socket answers; otherwise on the queue directory itself.</summary>
    private static async Task<(T Result, QueueMode Mode)> ExecuteAsync<T>(
        HeraldSettings settings, ControlRequest request, Func<QueueOperations, string?, CancellationToken, Task<T>> direct, CancellationToken cancellationToken)
    {
        ControlResponse response;
        try
        {
            response = await ControlClient.SendAsync(settings.DataDirectory, request, cancellationToken).ConfigureAwait(false);
        }
        catch (ControlChannelException e) when (e.ServerNotRunning)
        {
            return (await RunDirectAsync(settings, request, direct, cancellationToken).ConfigureAwait(false), QueueMode.Stopped);
        }

        if (!response.Ok)
        {
            throw response.Error switch
            {
                QueueControlHandler.ErrorCodes.NotFound => new QueueOperationException(QueueErrorKind.NotFound, response.Text),
                QueueControlHandler.ErrorCodes.BadRequest => new QueueOperationException(QueueErrorKind.BadRequest, response.Text),
                _ => new ControlChannelException("the server answered: " + response.Text),
            };
        }

        try
        {
            return (response.Payload is { } payload
                ? QueueJson.FromElement<T>(payload)
                : throw new ControlChannelException("the server answered without a result (is it an older version of herald?)"), QueueMode.Running);
        }
        catch (JsonException e)
        {
            throw new ControlChannelException("the server's answer could not be read: " + e.Message);
        }
    }

    private static async Task<T> RunDirectAsync<T>(
        HeraldSettings settings, ControlRequest request, Func<QueueOperations, string?, CancellationToken, Task<T>> direct, CancellationToken cancellationToken)
    {
        TimeProvider time = TimeProvider.System;
        string? id = request.Id;

        // In cluster mode the destinations a stopped server shows are the cluster's, from Redis; nothing else here needs Redis.
        await using CommandStores? stores = request.Command == "queue-destinations" && settings.Cluster.IsEnabled
            ? await CommandStores.OpenAsync(settings).ConfigureAwait(false)
            : null;
        if (stores is { IsReachable: false })
        {
            throw new ControlChannelException($"the server is not running, and Redis at {stores.RedisEndpoints} (Cluster:Redis) does not answer.");
        }

        IDestinationSnapshot? destinations = stores?.SharedDestinations() is { } shared ? new DestinationSnapshotView(shared) : null;
        if (!Directory.Exists(Path.Combine(settings.QueueDirectory, "active")))
        {
            // Nothing was ever queued with this data directory: an empty queue, and no folders made by a look.
            var nothing = new QueueOperations(EmptyQueue.Instance, NoReports.Instance, destinations, time, null);
            return await direct(nothing, id, cancellationToken).ConfigureAwait(false);
        }

        // The server is stopped, so this process is the only one using the queue: the same start-up step
        // as `herald serve` (recovery) makes it safe to read, and anything torn is set aside as it would be.
        using FileQueueStore store = await FileQueueStore.OpenAsync(
            new QueueStoreOptions(settings.QueueDirectory), time, NullLogger<FileQueueStore>.Instance, cancellationToken).ConfigureAwait(false);
        var reporter = new QueueingDeliveryReporter(
            store, new DsnBuilder(settings.Bounces, time), settings.Bounces, time, NullLogger<QueueingDeliveryReporter>.Instance);
        var operations = new QueueOperations(store, reporter, destinations, time, null);
        return await direct(operations, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The queue of a data directory that has none yet.</summary>
    private sealed class EmptyQueue : IQueueStore
    {
        public static readonly EmptyQueue Instance = new();

        public System.Threading.Channels.ChannelReader<QueueId> Arrivals { get; } = System.Threading.Channels.Channel.CreateUnbounded<QueueId>().Reader;

        public System.Threading.Channels.ChannelReader<QueueId> Subscribe(CancellationToken cancellationToken) => Arrivals;

        public ValueTask<IMessageWriter> CreateAsync(Envelope envelope, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("There is no queue here to write to.");

        public ValueTask<IReadOnlyList<QueueId>> ListAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<QueueId>>([]);

        public ValueTask<QueuedMessage?> ReadAsync(QueueId id, CancellationToken cancellationToken) => ValueTask.FromResult<QueuedMessage?>(null);

        public Stream OpenContent(QueueId id) => throw new KeyNotFoundException($"{id} is not queued.");

        public ValueTask RecordAsync(QueueId id, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken) =>
            throw new KeyNotFoundException($"{id} is not queued.");

        public ValueTask RemoveAsync(QueueId id, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SetHoldAsync(QueueId id, bool hold, CancellationToken cancellationToken) =>
            throw new KeyNotFoundException($"{id} is not queued.");
    }

    private sealed class NoReports : Queue.Reports.IDeliveryReporter
    {
        public static readonly NoReports Instance = new();

        public ValueTask ReportAsync(QueuedMessage message, IReadOnlyList<Queue.Reports.RecipientReport> recipients, CancellationToken cancellationToken) =>
            ValueTask.CompletedTask;
    }
}
