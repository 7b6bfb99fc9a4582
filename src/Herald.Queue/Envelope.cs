// The envelope of a queued message: what the SMTP transaction said, apart from the content.
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;

namespace Herald.Queue;

/// <summary>Where a message came from, for the Received header, logs and policy.</summary>
public sealed record ClientInfo(string Address, string HeloName, string? AuthenticatedAs = null);

/// <summary>
/// The envelope of one message. A null <see cref="Sender"/> is the null reverse-path of a bounce.
/// </summary>
public sealed record Envelope(
    Mailbox? Sender,
    IReadOnlyList<Mailbox> Recipients,
    MailParameters Parameters,
    ClientInfo Client,
    DateTimeOffset ArrivedAt)
{
    /// <summary>
    /// The RCPT parameters (NOTIFY, ORCPT), index for index with <see cref="Recipients"/>; empty when no
    /// recipient had any, and never longer than <see cref="Recipients"/>.
    /// </summary>
    public IReadOnlyList<RecipientParameters> RecipientParameters { get; init; } = [];

    /// <summary>The RCPT parameters of recipient <paramref name="index"/>; <see cref="RecipientParameters.None"/> when it had none.</summary>
    public RecipientParameters ParametersOf(int index) =>
        index >= 0 && index < RecipientParameters.Count ? RecipientParameters[index] : Protocol.Commands.RecipientParameters.None;
}
