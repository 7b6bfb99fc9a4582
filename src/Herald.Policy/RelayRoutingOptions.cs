// The one delivery setting the receiving policy needs: whether relayed mail goes to a smart host.
namespace Herald.Policy;

/// <summary>The <c>Delivery</c> keys the policy reads; the delivery engine owns and validates the section.</summary>
public sealed class RelayRoutingOptions
{
    /// <summary><c>Delivery:SmartHost</c>: host:port every relayed message is sent to, or null for MX routing.</summary>
    public string? SmartHost { get; set; }

    public bool UsesSmartHost => !string.IsNullOrWhiteSpace(SmartHost);
}
