// Settings of outbound delivery, bound from the `Herald:Delivery` section; every default says where it comes from.
using System.Globalization;
using System.Net;
using Herald.Protocol.Addresses;

namespace Herald.Delivery.Outbound;

/// <summary>How the SMTP client uses STARTTLS (RFC 3207).</summary>
public enum TlsMode
{
    /// <summary>
    /// Use STARTTLS when the server offers it, and send in clear text when it does not or when the
    /// handshake fails. The certificate is not verified: between MTAs a name check against MX records
    /// that DNS gave unauthenticated proves nothing (RFC 7672 §1.3), and refusing a self-signed
    /// certificate would only push the mail into clear text. This is Postfix's <c>may</c> level.
    /// </summary>
    Opportunistic,

    /// <summary>
    /// Never send in clear text: a host that does not offer STARTTLS, or whose handshake fails, is
    /// treated as a temporary failure (4.7.x) and the next MX host is tried. The certificate is still
    /// not verified, as with Postfix's <c>encrypt</c> level.
    /// </summary>
    Required,

    /// <summary>Never use STARTTLS.</summary>
    None,
}

/// <summary>
/// The sending side's settings, bound from <c>Herald:Delivery</c> (keys below are relative to it).
/// <see cref="HeloName"/> and <see cref="LocalDomains"/> are filled in from <c>Herald:Hostname</c> and
/// <c>Herald:LocalDomains</c> by the host when they are not set here.
/// </summary>
public sealed class DeliveryOptions
{
    /// <summary>The configuration section, under <c>Herald</c>.</summary>
    public const string SectionName = "Delivery";

    /// <summary>
    /// The name this host gives in EHLO, and the name looked for in MX lists to avoid sending mail to
    /// itself (RFC 5321 §5.1). Default: <c>Herald:Hostname</c>.
    /// </summary>
    public string HeloName { get; set; } = "localhost";

    /// <summary>Domains delivered locally: outbound delivery leaves their recipients alone. Default: <c>Herald:LocalDomains</c>.</summary>
    public IList<string> LocalDomains { get; } = [];

    /// <summary>
    /// <c>Delivery:SmartHost</c>: <c>host:port</c> (or <c>host</c> for port 25, <c>[ipv6]:port</c>) of a relay
    /// that takes all outbound mail; MX records are then not looked up. Default: none, deliver by MX.
    /// </summary>
    public string? SmartHost { get; set; }

    /// <summary><c>Delivery:Port</c>: the port of MX hosts. Default 25 (RFC 5321 §4.5.4.2).</summary>
    public int Port { get; set; } = 25;

    /// <summary><c>Delivery:Tls</c>: <c>opportunistic</c> (default), <c>required</c> or <c>none</c>.</summary>
    public TlsMode Tls { get; set; } = TlsMode.Opportunistic;

    /// <summary>
    /// <c>Delivery:MaxConnectionsPerHost</c>: connections at once to one MX host, shared by the whole queue.
    /// Default 20, Postfix's <c>default_destination_concurrency_limit</c>. A 421 halves it for a while.
    /// </summary>
    public int MaxConnectionsPerHost { get; set; } = 20;

    /// <summary>
    /// <c>Delivery:MaxMessagesPerConnection</c>: transactions sent over one connection before it is closed.
    /// Default 100, enough to empty a burst to one host without holding a connection for ever.
    /// </summary>
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>
    /// <c>Delivery:MaxConcurrentMessages</c>: messages being delivered at once over all destinations.
    /// Default 100, Postfix's <c>default_process_limit</c>.
    /// </summary>
    public int MaxConcurrentMessages { get; set; } = 100;

    /// <summary><c>Delivery:ConnectTimeout</c>: the wait for a TCP connection. Default 30 s, Postfix's <c>smtp_connect_timeout</c>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Delivery:ConnectionCacheTime</c>: how long an idle connection is kept for the next message to the
    /// same host. Default 2 s, Postfix's <c>smtp_connection_cache_time_limit</c>; zero closes after each message.
    /// </summary>
    public TimeSpan ConnectionCacheTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Delivery:MinBackoff</c>: the wait after the first failed attempt; it doubles with each attempt. Default 5 min.</summary>
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>Delivery:MaxBackoff</c>: the longest wait between attempts. Default 1 h.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// <c>Delivery:MaxQueueLifetime</c>: after this long in the queue a recipient still deferred is bounced
    /// with 4.4.7. Default 5 days: RFC 5321 §4.5.4.1 asks for at least 4 to 5 days.
    /// </summary>
    public TimeSpan MaxQueueLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// <c>Delivery:DelayWarningAfter</c>: once a message has waited this long, one delay warning (RFC 3464
    /// action <c>delayed</c>) is reported for it. Default: off (unset or zero).
    /// </summary>
    public TimeSpan? DelayWarningAfter { get; set; }

    /// <summary>True when delay warnings are on.</summary>
    internal bool DelayWarningsEnabled => DelayWarningAfter is { } after && after > TimeSpan.Zero;

    /// <summary>Checks every value and names the key of each one that is wrong.</summary>
    public IEnumerable<string> Validate()
    {
        const string Prefix = "Herald:Delivery:";
        if (string.IsNullOrWhiteSpace(HeloName) || !MailboxGrammar.IsDomain(HeloName))
        {
            yield return $"{Prefix}HeloName: '{HeloName}' is not a host name.";
        }

        if (SmartHost is { Length: > 0 } && !TryParseHostPort(SmartHost, 25, out _, out _))
        {
            yield return $"{Prefix}SmartHost: '{SmartHost}' is not host:port (e.g. relay.example.com:587, 192.0.2.1:25 or [2001:db8::1]:25).";
        }

        if (Port is < 1 or > 65535)
        {
            yield return $"{Prefix}Port: {Port} is not a TCP port (1 to 65535).";
        }

        if (!Enum.IsDefined(Tls))
        {
            yield return $"{Prefix}Tls: must be opportunistic, required or none.";
        }

        if (MaxConnectionsPerHost < 1)
        {
            yield return $"{Prefix}MaxConnectionsPerHost: {MaxConnectionsPerHost} must be at least 1.";
        }

        if (MaxMessagesPerConnection < 1)
        {
            yield return $"{Prefix}MaxMessagesPerConnection: {MaxMessagesPerConnection} must be at least 1.";
        }

        if (MaxConcurrentMessages < 1)
        {
            yield return $"{Prefix}MaxConcurrentMessages: {MaxConcurrentMessages} must be at least 1.";
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            yield return $"{Prefix}ConnectTimeout: {ConnectTimeout} is outside 0 to 5 minutes.";
        }

        if (ConnectionCacheTime < TimeSpan.Zero || ConnectionCacheTime > TimeSpan.FromMinutes(5))
        {
            // RFC 5321 §4.5.3.2.7: a server may drop a connection idle for 5 minutes.
            yield return $"{Prefix}ConnectionCacheTime: {ConnectionCacheTime} is outside 0 to 5 minutes (RFC 5321 §4.5.3.2.7).";
        }

        if (MinBackoff <= TimeSpan.Zero)
        {
            yield return $"{Prefix}MinBackoff: must be a positive time span (e.g. 00:05:00).";
        }

        if (MaxBackoff < MinBackoff)
        {
            yield return $"{Prefix}MaxBackoff: {MaxBackoff} is shorter than MinBackoff ({MinBackoff}).";
        }

        if (MaxQueueLifetime <= TimeSpan.Zero)
        {
            yield return $"{Prefix}MaxQueueLifetime: must be a positive time span (e.g. 5.00:00:00; RFC 5321 §4.5.4.1 asks for 4-5 days).";
        }

        if (DelayWarningAfter is { } warn && (warn < TimeSpan.Zero || (warn > TimeSpan.Zero && warn >= MaxQueueLifetime)))
        {
            yield return $"{Prefix}DelayWarningAfter: {warn} must be zero (off) or shorter than MaxQueueLifetime ({MaxQueueLifetime}).";
        }
    }

    /// <summary>
    /// Parses <c>host:port</c>, <c>host</c>, <c>ip:port</c>, <c>[ipv6]:port</c> or <c>[ip]</c>. The host comes
    /// back as a lower-case name or an address; <paramref name="defaultPort"/> fills in a missing port.
    /// </summary>
    internal static bool TryParseHostPort(string text, int defaultPort, out string host, out int port)
    {
        host = string.Empty;
        port = defaultPort;
        text = text.Trim();
        string hostPart;
        string? portPart = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            hostPart = text[1..close];
            string rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }

                portPart = rest[1..];
            }

            if (hostPart.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
            {
                hostPart = hostPart[5..];
            }

            if (!IPAddress.TryParse(hostPart, out _))
            {
                return false;
            }
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                // A bare IPv6 address has colons of its own; it needs brackets to carry a port.
                if (!IPAddress.TryParse(text, out _))
                {
                    return false;
                }

                hostPart = text;
            }
            else if (colon >= 0)
            {
                hostPart = text[..colon];
                portPart = text[(colon + 1)..];
            }
            else
            {
                hostPart = text;
            }

            if (!IPAddress.TryParse(hostPart, out _) && !MailboxGrammar.IsDomain(hostPart))
            {
                return false;
            }
        }

        if (portPart is not null
            && (!int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            return false;
        }

        host = hostPart.ToLowerInvariant();
        return host.Length > 0;
    }
}
