// Switches for the optional sender and recipient checks, bound from `Herald:Checks`.
namespace Herald.Policy;

/// <summary><c>Checks</c>: which optional checks run.</summary>
public sealed class CheckOptions
{
    /// <summary>
    /// <c>Checks:RejectNullMxSender</c>: refuse MAIL from a domain that publishes a null MX
    /// (<c>550 5.7.27</c>, RFC 7505 §4.2): such a domain has said it receives no mail, so no bounce or
    /// reply could ever reach the sender. Recommended for a server on the Internet. Off by default so
    /// that Herald on its embedded defaults needs no DNS at all (every MAIL would otherwise wait for a
    /// lookup, and answer 451 4.4.3 on a machine without a resolver).
    /// </summary>
    public bool RejectNullMxSender { get; set; }
}
