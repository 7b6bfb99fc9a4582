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
    DateTimeOffset ArrivedAt);
