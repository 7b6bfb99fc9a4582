// Settings of local delivery: where mailboxes live and which domains are ours.
namespace Herald.Delivery.Local;

/// <summary>Settings of <see cref="LocalDeliveryService"/>.</summary>
/// <param name="DataDirectory">Mailboxes are made under <c>&lt;DataDirectory&gt;/mail/&lt;domain&gt;/&lt;local-part&gt;/</c>.</param>
/// <param name="LocalDomains">Domains delivered here, compared as <see cref="Herald.Protocol.Addresses.LocalDomains"/> compares them (case and IDNA form aside); mail for any other domain is left for outbound delivery.</param>
/// <param name="Hostname">This host's name: the last part of each Maildir file name, and the domain of the bare <c>&lt;Postmaster&gt;</c>.</param>
public sealed record LocalDeliveryOptions(string DataDirectory, IReadOnlyList<string> LocalDomains, string Hostname)
{
    /// <summary>
    /// Messages delivered at once. Each delivery waits mostly on fsync; several at once let those waits overlap,
    /// as Postfix runs several local(8)/virtual(8) deliveries at once. One message is never delivered by two at once.
    /// </summary>
    public int MaxConcurrentMessages { get; init; } = 10;
}
