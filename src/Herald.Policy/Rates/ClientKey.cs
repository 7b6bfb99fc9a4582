// Turns a client address into the key its rates are counted under.
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Herald.Policy.Rates;

/// <summary>
/// The counting key of a client: an IPv4 address as itself, an IPv6 address as its network of
/// <c>RateLimits:Ipv6PrefixLength</c> bits. One IPv6 host usually holds a whole /64 and can pick a new
/// address for every connection, so counting single IPv6 addresses would count nothing; Postfix
/// aggregates the same way since 3.8 (smtpd_client_ipv6_prefix_length).
/// </summary>
internal static class ClientKey
{
    public static string For(IPAddress address, int ipv6PrefixLength)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || ipv6PrefixLength >= 128)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        Mask(bytes, ipv6PrefixLength);
        return string.Create(CultureInfo.InvariantCulture, $"{new IPAddress(bytes)}/{ipv6PrefixLength}");
    }

    /// <summary>Clears every bit after the first <paramref name="prefixLength"/>.</summary>
    public static void Mask(Span<byte> bytes, int prefixLength)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefixLength - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
    }

    /// <summary>The address as written in replies: IPv4-mapped IPv6 addresses in their IPv4 form.</summary>
    public static string Display(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
