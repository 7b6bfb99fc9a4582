// What a server announced in its EHLO reply (RFC 5321 §4.1.1.1), as far as the client acts on it.
using System.Globalization;
using Herald.Protocol.Replies;

namespace Herald.Delivery.Outbound.Smtp;

/// <summary>The service extensions of one session; <see cref="None"/> after HELO.</summary>
internal sealed record ServerCapabilities
{
    public static readonly ServerCapabilities None = new();

    /// <summary>RFC 2920: commands may be sent in groups.</summary>
    public bool Pipelining { get; init; }

    /// <summary>RFC 1870: the announced limit in octets; null when SIZE was not announced, 0 when it was announced without a limit.</summary>
    public long? Size { get; init; }

    /// <summary>RFC 6152.</summary>
    public bool EightBitMime { get; init; }

    /// <summary>RFC 6531.</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>RFC 3207.</summary>
    public bool StartTls { get; init; }

    /// <summary>RFC 2034.</summary>
    public bool EnhancedStatusCodes { get; init; }

    /// <summary>RFC 3461: the server takes RET, ENVID, NOTIFY and ORCPT, and reports from there on.</summary>
    public bool Dsn { get; init; }

    /// <summary>Reads the keywords from the second line on; the first line is the server's name and greeting.</summary>
    public static ServerCapabilities Parse(SmtpReply ehlo)
    {
        ArgumentNullException.ThrowIfNull(ehlo);
        var capabilities = new ServerCapabilities();
        foreach (string line in ehlo.Lines.Skip(1))
        {
            // RFC 5321 §4.1.1.1: ehlo-line = ehlo-keyword *( SP ehlo-param ); keywords are case-insensitive.
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            switch (parts[0].ToUpperInvariant())
            {
                case "PIPELINING":
                    capabilities = capabilities with { Pipelining = true };
                    break;
                case "SIZE":
                    long limit = parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0;
                    capabilities = capabilities with { Size = limit };
                    break;
                case "8BITMIME":
                    capabilities = capabilities with { EightBitMime = true };
                    break;
                case "SMTPUTF8":
                    capabilities = capabilities with { SmtpUtf8 = true };
                    break;
                case "STARTTLS":
                    capabilities = capabilities with { StartTls = true };
                    break;
                case "ENHANCEDSTATUSCODES":
                    capabilities = capabilities with { EnhancedStatusCodes = true };
                    break;
                case "DSN":
                    capabilities = capabilities with { Dsn = true };
                    break;
                default:
                    break;
            }
        }

        return capabilities;
    }

    /// <summary>True when a message of <paramref name="octets"/> is over the announced SIZE (RFC 1870 §6).</summary>
    public bool RefusesSize(long octets) => Size is long limit && limit > 0 && octets > limit;
}
