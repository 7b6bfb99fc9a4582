// The status texts local delivery records in the queue journal, as data like every other reply.
using Herald.Protocol.Replies;

namespace Herald.Delivery.Local;

/// <summary>What `herald queue show` and the logs say about a recipient delivered (or not) into Maildir.</summary>
internal static class LocalReplies
{
    public static readonly ReplyTemplate Delivered = new(nameof(Delivered), 250, EnhancedStatusCode.Parse("2.0.0"), "Delivered to maildir as {0}");

    /// <summary>A disk or permission problem is transient: the recipient is tried again (4.3.0, other mail system problem).</summary>
    public static readonly ReplyTemplate Failed = new(nameof(Failed), 451, EnhancedStatusCode.Parse("4.3.0"), "Local delivery failed: {0}");
}
