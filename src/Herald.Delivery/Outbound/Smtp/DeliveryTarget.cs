// One address of one destination host: where a connection goes, and how it is named in logs and records.
using System.Globalization;
using System.Net;

namespace Herald.Delivery.Outbound.Smtp;

/// <summary>A host name (MX host, smart host or address literal) with one of its addresses and the port.</summary>
internal sealed record DeliveryTarget(string Host, IPAddress Address, int Port)
{
    /// <summary>As Postfix writes a relay: <c>mx.example.com[192.0.2.1]:25</c>.</summary>
    public string Display => string.Create(CultureInfo.InvariantCulture, $"{Host}[{Address}]:{Port}");

    public IPEndPoint EndPoint => new(Address, Port);

    public override string ToString() => Display;
}
