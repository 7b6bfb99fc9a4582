// The seam between the local delivery service and the mailbox store it writes to.
using Herald.Protocol.Addresses;

namespace Herald.Delivery.Local;

/// <summary>Stores one message durably in one local recipient's mailbox.</summary>
internal interface ILocalMailbox
{
    /// <summary>
    /// Delivers <paramref name="content"/> to <paramref name="recipient"/>; returns the path of the stored
    /// file once it is durable. Throws <see cref="IOException"/> (or <see cref="UnauthorizedAccessException"/>)
    /// for a failure worth retrying.
    /// </summary>
    Task<string> DeliverAsync(Mailbox? sender, Mailbox recipient, Stream content, CancellationToken cancellationToken);
}
