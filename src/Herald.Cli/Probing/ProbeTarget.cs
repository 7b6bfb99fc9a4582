// What `herald probe` was asked to look at: a mail domain (MX lookup) or one host, with or without a port.
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Herald.Dns;

namespace Herald.Cli.Probing;

internal enum ProbeTargetKind
{
    /// <summary>A domain: its MX records decide which hosts are tried (RFC 5321 §5.1).</summary>
    Domain,

    /// <summary>One host by name, tried at its own addresses without any MX lookup.</summary>
    HostName,

    /// <summary>One host by address: nothing to look up.</summary>
    Address,
}

/// <summary>
/// The probe's target. A bare name is a domain; a name with a port (<c>mx.example.org:2525</c>) is a
/// host; an IP address, with or without a port (<c>192.0.2.1</c>, <c>[2001:db8::1]:25</c>), is a host.
/// A host without MX records is reached through a domain probe too, as its own implicit MX.
/// </summary>
internal sealed record ProbeTarget(string Input, ProbeTargetKind Kind, string Name, IPAddress? Address, int? Port)
{
    public static bool TryParse(string? input, [NotNullWhen(true)] out ProbeTarget? target, [NotNullWhen(false)] out string? error)
    {
        target = null;
        string text = input?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            error = "no domain or host given";
            return false;
        }

        string host = text;
        string? portText = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < text.Length && text[close + 1] != ':'))
            {
                error = $"'{text}' is not [address] or [address]:port";
                return false;
            }

            host = text[1..close];
            portText = close + 1 < text.Length ? text[(close + 2)..] : null;
            if (!IPAddress.TryParse(host, out _))
            {
                error = $"'{host}' between brackets is not an IP address";
                return false;
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            // One colon is host:port; two or more can only be an IPv6 address without a port.
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            portText = text[(colon + 1)..];
        }

        int? port = null;
        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value is < 1 or > 65535)
            {
                error = $"'{portText}' is not a port from 1 to 65535";
                return false;
            }

            port = value;
        }

        if (IPAddress.TryParse(host, out IPAddress? address)
            && (address.AddressFamily == AddressFamily.InterNetworkV6 || host.Count(c => c == '.') == 3))
        {
            target = new ProbeTarget(text, ProbeTargetKind.Address, address.ToString(), address, port);
            error = null;
            return true;
        }

        if (!DomainNames.TryToLookupForm(host, out string? name))
        {
            error = $"'{host}' is neither a domain name nor an IP address";
            return false;
        }

        target = new ProbeTarget(text, port is null ? ProbeTargetKind.Domain : ProbeTargetKind.HostName, name, null, port);
        error = null;
        return true;
    }
}
