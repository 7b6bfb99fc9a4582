// Reads the DNS server addresses of the configuration ("ip", "ip:port", "[ipv6]:port").
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Herald.Dns;

/// <summary>
/// Parses one entry of <c>Dns:Servers</c>. Accepted forms: <c>192.0.2.53</c> and
/// <c>2001:db8::53</c> (port 53), <c>192.0.2.53:5353</c>, <c>[2001:db8::53]:5353</c> and
/// <c>[2001:db8::53]</c>. A bare IPv6 address never carries a port: <c>::1:53</c> is the
/// address ::1:53, so write <c>[::1]:53</c>. Host names are rejected, since the resolver
/// would need a resolver to find its own server.
/// </summary>
public static class DnsServerEndpoint
{
    /// <summary>The port used when an entry names none (RFC 1035 §4.2).</summary>
    public const int DefaultPort = 53;

    private const string Forms = "write \"ip\", \"ip:port\" or \"[ipv6]:port\", for example 127.0.0.1:5353, ::1 or [::1]:53";

    /// <summary>Parses <paramref name="text"/> or explains, naming <c>Dns:Servers</c>, why it is not a server address.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            error = $"Dns:Servers: an entry is empty; {Forms}.";
            return false;
        }

        string addressText;
        string? portText = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = Bad(value, "has '[' without ']'");
                return false;
            }

            addressText = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = Bad(value, "has text after ']' that is not \":port\"");
                    return false;
                }

                portText = rest[1..];
            }

            if (!IPAddress.TryParse(addressText, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = Bad(value, "has no IPv6 address between '[' and ']'");
                return false;
            }

            return WithPort(value, v6, portText, out endpoint, out error);
        }

        var colons = value.Count(c => c == ':');
        if (colons >= 2)
        {
            if (!IPAddress.TryParse(value, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = Bad(value, "is not an IPv6 address");
                return false;
            }

            return WithPort(value, v6, null, out endpoint, out error);
        }

        addressText = value;
        if (colons == 1)
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            addressText = value[..colon];
            portText = value[(colon + 1)..];
        }

        // IPAddress.TryParse also takes "127.1" and "1" (inet_aton forms); a configuration
        // entry that short is far more likely a typo than a wish, so insist on four parts.
        if (addressText.Count(c => c == '.') != 3
            || !IPAddress.TryParse(addressText, out var v4)
            || v4.AddressFamily != AddressFamily.InterNetwork)
        {
            error = Bad(value, "is not an IP address (host names are not accepted)");
            return false;
        }

        return WithPort(value, v4, portText, out endpoint, out error);
    }

    /// <summary>Parses <paramref name="text"/>, throwing <see cref="FormatException"/> with a message naming <c>Dns:Servers</c>.</summary>
    public static IPEndPoint Parse(string text)
        => TryParse(text, out var endpoint, out var error) ? endpoint : throw new FormatException(error);

    private static bool WithPort(string value, IPAddress address, string? portText, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        var port = DefaultPort;
        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = Bad(value, "has a port that is not a number from 1 to 65535");
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        error = null;
        return true;
    }

    private static string Bad(string value, string why) => $"Dns:Servers: \"{value}\" {why}; {Forms}.";
}
