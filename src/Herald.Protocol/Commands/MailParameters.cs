// ESMTP parameters of MAIL FROM that Herald understands (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8).
namespace Herald.Protocol.Commands;

/// <summary>The body type declared with BODY= (RFC 6152).</summary>
public enum BodyType
{
    SevenBit,
    EightBitMime,
}

/// <summary>The parameters given with MAIL FROM.</summary>
public sealed record MailParameters
{
    public static readonly MailParameters None = new();

    /// <summary>The size the client declared with SIZE=, in octets.</summary>
    public long? Size { get; init; }

    public BodyType Body { get; init; } = BodyType.SevenBit;

    /// <summary>The client asked for SMTPUTF8 (RFC 6531 §3.4).</summary>
    public bool SmtpUtf8 { get; init; }
}
