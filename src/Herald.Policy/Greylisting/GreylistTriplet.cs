// What greylisting remembers a delivery attempt by: client network, envelope sender, recipient.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Herald.Policy.Rates;
using Herald.Protocol.Addresses;

namespace Herald.Policy.Greylisting;

/// <summary>
/// A greylisting triplet. The client is taken as its network (IPv4 /24, IPv6 /64), because large
/// senders retry from another host of the same pool; addresses are lower-cased, because a retry may
/// change their case; the null sender is written <c>&lt;&gt;</c>.
/// </summary>
/// <param name="ClientNetwork">E.g. <c>192.0.2.0/24</c> or <c>2001:db8:1:2::/64</c>.</param>
public sealed record GreylistTriplet(string ClientNetwork, string Sender, string Recipient)
{
    /// <summary>How the null reverse-path (RFC 5321 §4.5.5) is written in a triplet.</summary>
    public const string NullSender = "<>";

    public static GreylistTriplet For(IPAddress client, Mailbox? sender, Mailbox recipient)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(recipient);
        return new(NetworkOf(client), sender is null ? NullSender : Key(sender.ToString()), Key(recipient.ToString()));
    }

    /// <summary>
    /// For the command line: <paramref name="sender"/> and <paramref name="recipient"/> as typed, with or
    /// without angle brackets; an empty sender or <c>&lt;&gt;</c> is the null sender.
    /// </summary>
    public static GreylistTriplet For(IPAddress client, string? sender, string recipient)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(recipient);
        string from = Key(sender ?? string.Empty);
        return new(NetworkOf(client), from.Length == 0 ? NullSender : from, Key(recipient));
    }

    /// <summary>The network a client address is greylisted under: its /24 (IPv4) or /64 (IPv6).</summary>
    public static string NetworkOf(IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        int prefix = client.AddressFamily == AddressFamily.InterNetworkV6 ? 64 : 24;
        Span<byte> bytes = stackalloc byte[16];
        client.TryWriteBytes(bytes, out int length);
        bytes = bytes[..length];
        ClientKey.Mask(bytes, prefix);
        return string.Create(CultureInfo.InvariantCulture, $"{new IPAddress(bytes)}/{prefix}");
    }

    public override string ToString() => $"{ClientNetwork} {Sender} {Recipient}";

    private static string Key(string address) => address.Trim().TrimStart('<').TrimEnd('>').ToLowerInvariant();
}
