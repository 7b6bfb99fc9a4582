// What an operator can do to the queue: `herald queue` on a stopped server, the control channel and the admin API of a running one.
using System.Text;
using Herald.Protocol.Commands;
using Herald.Queue.Reports;

namespace Herald.Queue.Operations;

/// <summary>
/// The queue operations of <c>herald queue</c> and the admin API, against one <see cref="IQueueStore"/>: the live
/// one inside <c>herald serve</c>, or one opened on the queue directory of a stopped server.
/// </summary>
/// <param name="reporter">Writes the report of <see cref="BounceAsync"/>; the same one the delivery engine uses.</param>
/// <param name="destinations">The outbound engine's state; null when none is wired.</param>
/// <param name="announce">Tells delivery to look at a message now (after a flush); null when nothing delivers.</param>
public sealed class QueueOperations(
    IQueueStore queue, IDeliveryReporter reporter, IDestinationSnapshot? destinations, TimeProvider time, Action<QueueId>? announce)
{
    /// <summary>Header lines shown by <see cref="ShowAsync"/>: enough to recognise a message.</summary>
    public const int HeaderLines = 20;

    /// <summary>The status and words of an operator's bounce (RFC 3463 §3.1: 5.0.0, other or undefined).</summary>
    public const string BounceStatus = "5.0.0";

    public const string BounceText = "bounced by the administrator";

    // RFC 5322 §2.1.1: a line is at most 998 characters; the header section read is capped as well.
    private const int MaxLineLength = 998;
    private const int MaxHeaderOctets = 64 * 1024;

    public async Task<IReadOnlyList<MessageView>> ListAsync(CancellationToken cancellationToken)
    {
        var views = new List<MessageView>();
        foreach (QueueId id in await queue.ListAsync(cancellationToken))
        {
            // A message may leave the queue between listing and reading: it is simply no longer shown.
            if (await queue.ReadAsync(id, cancellationToken) is { } message)
            {
                views.Add(MessageView.From(message));
            }
        }

        return views;
    }

    public async Task<MessageDetailView> ShowAsync(string id, CancellationToken cancellationToken)
    {
        QueuedMessage message = await ReadAsync(id, cancellationToken);
        (IReadOnlyList<string> headers, bool truncated) = await ReadHeaderLinesAsync(message.Id, cancellationToken);
        Envelope envelope = message.Envelope;
        return new MessageDetailView(
            MessageView.From(message),
            envelope.Client.Address,
            envelope.Client.HeloName,
            envelope.Client.AuthenticatedAs,
            envelope.Parameters.Body == BodyType.EightBitMime ? "8bitmime" : "7bit",
            envelope.Parameters.SmtpUtf8,
            envelope.Parameters.Size,
            envelope.Parameters.Return is DsnReturn ret ? DsnParameterValues.Return(ret) : null,
            envelope.Parameters.EnvelopeId,
            headers,
            truncated);
    }

    /// <summary>
    /// Sets the next attempt of every deferred recipient to now and tells delivery to look at the message.
    /// The recipients are recorded Pending (with their last reply kept), not Deferred, so that the flush does
    /// not count as an attempt. Held messages are left alone.
    /// </summary>
    public async Task<FlushView> FlushAsync(string? id, CancellationToken cancellationToken)
    {
        IReadOnlyList<QueueId> ids = id is null ? await queue.ListAsync(cancellationToken) : [(await ReadAsync(id, cancellationToken)).Id];
        var flushed = new List<FlushedView>();
        int held = 0;
        foreach (QueueId each in ids)
        {
            if (await queue.ReadAsync(each, cancellationToken) is not { } message || message.IsComplete)
            {
                continue;
            }

            if (message.OnHold)
            {
                held++;
                continue;
            }

            DateTimeOffset now = time.GetUtcNow();
            RecipientOutcome[] outcomes = [.. message.Recipients
                .Where(r => r.State == RecipientState.Deferred)
                .Select(r => new RecipientOutcome(r.Index, RecipientState.Pending, now, now, r.LastReply, null))];
            if (outcomes.Length > 0)
            {
                await queue.RecordAsync(message.Id, outcomes, cancellationToken);
            }

            announce?.Invoke(message.Id);
            flushed.Add(new FlushedView(message.Id.Value, outcomes.Length));
        }

        return new FlushView(flushed, held);
    }

    public async Task<ActionView> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        QueuedMessage message = await ReadAsync(id, cancellationToken);
        await queue.RemoveAsync(message.Id, cancellationToken);
        return new ActionView(message.Id.Value, "deleted");
    }

    public async Task<ActionView> HoldAsync(string id, bool hold, CancellationToken cancellationToken)
    {
        QueuedMessage message = await ReadAsync(id, cancellationToken);
        try
        {
            await queue.SetHoldAsync(message.Id, hold, cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            throw NotFound(message.Id.Value);
        }

        return new ActionView(message.Id.Value, hold ? "held" : "released");
    }

    /// <summary>
    /// Gives up on every recipient not yet final: reports them Failed with 5.0.0 through the reporter (so the
    /// sender gets a bounce, unless the sender is &lt;&gt; or asked NOTIFY without FAILURE), then records them Bounced. The report is durable
    /// before the recipients are recorded, so a crash in between can repeat the report but never lose it.
    /// A message left with only final recipients leaves the queue.
    /// </summary>
    public async Task<ActionView> BounceAsync(string id, CancellationToken cancellationToken)
    {
        QueuedMessage message = await ReadAsync(id, cancellationToken);
        DateTimeOffset now = time.GetUtcNow();
        RecipientStatus[] open = [.. message.Recipients.Where(r => !r.IsFinal)];
        RecipientReport[] reports = [.. open
            .Where(r => message.Envelope.ParametersOf(r.Index).Wants(DsnNotify.Failure))
            .Select(r => new RecipientReport(message.Envelope.Recipients[r.Index], ReportAction.Failed, BounceStatus, null, null, BounceText, now))];
        if (open.Length > 0)
        {
            await reporter.ReportAsync(message, reports, cancellationToken);
            await queue.RecordAsync(
                message.Id,
                [.. open.Select(r => new RecipientOutcome(r.Index, RecipientState.Bounced, now, null, $"{BounceStatus} {BounceText}", null))],
                cancellationToken);
        }

        if ((await queue.ReadAsync(message.Id, cancellationToken))?.IsComplete == true)
        {
            await queue.RemoveAsync(message.Id, cancellationToken);
        }

        bool reported = reports.Length > 0 && message.Envelope.Sender is not null;
        return new ActionView(
            message.Id.Value,
            "bounced",
            [.. open.Select(r => message.Envelope.Recipients[r.Index].ToString())],
            reported ? message.Envelope.Sender!.ToString() : null)
        {
            NoReport = reported || open.Length == 0 ? null
                : message.Envelope.Sender is null ? "the sender is <> (a bounce is never bounced)"
                : "the sender asked for none (NOTIFY without FAILURE)",
        };
    }

    public async Task<DestinationsView> DestinationsAsync(CancellationToken cancellationToken) =>
        new(destinations is null ? null : await destinations.SnapshotAsync(cancellationToken).ConfigureAwait(false));

    private static QueueOperationException NotFound(string id) =>
        new(QueueErrorKind.NotFound, $"{id} is not in the queue (it may have been delivered or deleted).");

    /// <summary>Parses the id and reads the message; throws <see cref="QueueOperationException"/> for a bad or unknown id.</summary>
    private async Task<QueuedMessage> ReadAsync(string id, CancellationToken cancellationToken)
    {
        if (!QueueId.TryParse(id, out QueueId? parsed))
        {
            throw new QueueOperationException(QueueErrorKind.BadRequest, BadIdMessage(id));
        }

        return await queue.ReadAsync(parsed.Value, cancellationToken) ?? throw NotFound(id);
    }

    public static string BadIdMessage(string id) =>
        $"'{id}' is not a queue id: a queue id is {QueueId.Length} characters of 0-9 and A-Z (without I, L, O, U), as in `herald queue list`.";

    /// <summary>The first lines of the header section, read line by line from the stored content: never the body.</summary>
    private async Task<(IReadOnlyList<string> Lines, bool Truncated)> ReadHeaderLinesAsync(QueueId id, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        Stream content;
        try
        {
            content = queue.OpenContent(id);
        }
        catch (KeyNotFoundException)
        {
            throw NotFound(id.Value);
        }

        await using (content)
        {
            // Headers may carry UTF-8 (RFC 6532); anything else shows as U+FFFD rather than failing.
            using var reader = new StreamReader(new LimitedStream(content, MaxHeaderOctets), new UTF8Encoding(false, false), false, 4096);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    return (lines, false);
                }

                if (lines.Count == HeaderLines)
                {
                    return (lines, true);
                }

                lines.Add(line.Length > MaxLineLength ? line[..MaxLineLength] : line);
            }
        }

        return (lines, false);
    }
}
