// What `herald queue` shows, as plain records: the same shapes travel over the control channel, print as --json and answer the admin API.
using Herald.Protocol.Commands;
using Herald.Queue.Reports;

namespace Herald.Queue.Operations;

/// <summary>One recipient of a queued message.</summary>
/// <param name="State">pending, deferred, delivered or bounced.</param>
public sealed record RecipientView(
    string Address, string State, int Attempts, DateTimeOffset? LastAttempt, DateTimeOffset? NextAttempt, string? LastReply)
{
    /// <summary>NOTIFY= as the sender gave it (RFC 3461), e.g. <c>SUCCESS,FAILURE</c>; null when not given.</summary>
    public string? Notify { get; init; }

    /// <summary>ORCPT= as <c>type;address</c>; null when not given.</summary>
    public string? OriginalRecipient { get; init; }
}

/// <summary>One line of <c>herald queue list</c>.</summary>
/// <param name="Sender">The envelope sender; empty for the null reverse-path &lt;&gt;.</param>
/// <param name="Size">Content size in octets.</param>
/// <param name="NextAttempt">The earliest next attempt among recipients not yet final.</param>
/// <param name="LastReply">The reply of the most recent attempt on any recipient.</param>
public sealed record MessageView(
    string Id,
    DateTimeOffset ArrivedAt,
    string Sender,
    long Size,
    bool Held,
    IReadOnlyList<RecipientView> Recipients,
    DateTimeOffset? NextAttempt,
    string? LastReply)
{
    public static MessageView From(QueuedMessage message)
    {
        RecipientView[] recipients = [.. message.Recipients.Select(r =>
        {
            RecipientParameters dsn = message.Envelope.ParametersOf(r.Index);
            return new RecipientView(
                message.Envelope.Recipients[r.Index].ToString(), StateName(r.State), r.Attempts, r.LastAttempt, r.NextAttempt, r.LastReply)
            {
                Notify = dsn.Notify is DsnNotify notify ? DsnParameterValues.Notify(notify) : null,
                OriginalRecipient = dsn.OriginalRecipient?.ToString(),
            };
        })];
        DateTimeOffset? next = message.Recipients.Where(r => !r.IsFinal && r.NextAttempt is not null).Min(r => r.NextAttempt);
        string? lastReply = message.Recipients.Where(r => r.LastReply is not null).OrderByDescending(r => r.LastAttempt).FirstOrDefault()?.LastReply;
        return new MessageView(
            message.Id.Value, message.Envelope.ArrivedAt, message.Envelope.Sender?.ToString() ?? string.Empty,
            message.ContentLength, message.OnHold, recipients, next, lastReply);
    }

    public static string StateName(RecipientState state) => state.ToString().ToLowerInvariant();
}

/// <summary><c>herald queue show</c>: the envelope, every recipient, and the first lines of the header section.</summary>
/// <param name="Body">7bit or 8bitmime (RFC 6152).</param>
/// <param name="Return">RET= (RFC 3461): FULL or HDRS; null when not given.</param>
/// <param name="EnvelopeId">ENVID=, decoded; null when not given.</param>
/// <param name="Headers">The first lines of the header section, as stored.</param>
public sealed record MessageDetailView(
    MessageView Message,
    string ClientAddress,
    string HeloName,
    string? AuthenticatedAs,
    string Body,
    bool SmtpUtf8,
    long? DeclaredSize,
    string? Return,
    string? EnvelopeId,
    IReadOnlyList<string> Headers,
    bool HeadersTruncated);

/// <summary>What <c>herald queue flush</c> did to one message.</summary>
public sealed record FlushedView(string Id, int Recipients);

/// <summary><c>herald queue flush</c>: the messages it touched; held messages are left alone.</summary>
public sealed record FlushView(IReadOnlyList<FlushedView> Messages, int SkippedHeld);

/// <summary>The result of delete, hold, release and bounce.</summary>
/// <param name="Action">deleted, held, released or bounced.</param>
/// <param name="Recipients">For bounce: the recipients given up on.</param>
/// <param name="ReportTo">For bounce: where the report went; null when none was sent.</param>
public sealed record ActionView(string Id, string Action, IReadOnlyList<string>? Recipients = null, string? ReportTo = null)
{
    /// <summary>For bounce: why no report was sent, when none was.</summary>
    public string? NoReport { get; init; }
}

/// <summary><c>herald queue destinations</c>: null <see cref="Destinations"/> when no outbound engine is wired.</summary>
public sealed record DestinationsView(IReadOnlyList<DestinationStatus>? Destinations);
