// A list of networks in CIDR notation, such as TrustedNetworks.
using System.Net;

namespace Herald.Policy;

/// <summary>Client networks; an IPv4-mapped IPv6 address matches its IPv4 network.</summary>
public sealed class NetworkList
{
    private readonly IPNetwork[] _networks;

    public NetworkList(IEnumerable<IPNetwork> networks) => _networks = [.. networks];

    public static NetworkList Empty { get; } = new([]);

    /// <summary>Parses validated configuration values; an invalid one is a programming error here.</summary>
    public static NetworkList Parse(IEnumerable<string> networks) =>
        new(networks.Select(n => TryParse(n, out IPNetwork network) ? network : throw new FormatException($"'{n}' is not a network.")));

    public static bool TryParse(string text, out IPNetwork network)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        // A bare address is a network of one host.
        if (IPAddress.TryParse(text, out IPAddress? address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (IPNetwork network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
