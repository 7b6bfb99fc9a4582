// Where each recipient of a queued message stands.
namespace Herald.Queue;

/// <summary>The delivery state of one recipient.</summary>
public enum RecipientState
{
    /// <summary>Not tried yet.</summary>
    Pending,

    /// <summary>Tried and refused with a transient reply; tried again at <see cref="RecipientStatus.NextAttempt"/>.</summary>
    Deferred,

    /// <summary>Delivered; final.</summary>
    Delivered,

    /// <summary>Given up on (permanent failure or expired); a bounce was or will be sent. Final.</summary>
    Bounced,
}

/// <summary>The latest known state of one recipient, from the queue file's journal.</summary>
public sealed record RecipientStatus(
    int Index,
    RecipientState State,
    int Attempts,
    DateTimeOffset? LastAttempt,
    DateTimeOffset? NextAttempt,
    string? LastReply)
{
    public bool IsFinal => State is RecipientState.Delivered or RecipientState.Bounced;

    /// <summary>
    /// True once a delay warning (RFC 3464 action "delayed") was reported for this recipient. It stays
    /// true for good, so the warning is sent once per message even across restarts.
    /// </summary>
    public bool DelayReported { get; init; }
}

/// <summary>One outcome to record durably for one recipient.</summary>
/// <param name="Index">The recipient's position in <see cref="Envelope.Recipients"/>.</param>
/// <param name="State">The state after this attempt.</param>
/// <param name="At">When the attempt ended.</param>
/// <param name="NextAttempt">For <see cref="RecipientState.Deferred"/>: when to try again.</param>
/// <param name="Reply">The reply as given (or a local explanation), for logs, `herald queue show` and DSNs.</param>
/// <param name="Host">The host that gave the reply (MX name and address, or "local").</param>
public sealed record RecipientOutcome(
    int Index,
    RecipientState State,
    DateTimeOffset At,
    DateTimeOffset? NextAttempt,
    string? Reply,
    string? Host)
{
    /// <summary>Records that a delay warning has been reported for this recipient (see <see cref="RecipientStatus.DelayReported"/>).</summary>
    public bool DelayReported { get; init; }
}
