// ESMTP parameters of MAIL FROM that Herald understands (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8,
// RFC 3461 RET and ENVID).
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

    /// <summary>RET=: how much of the message a report returns; null when not given (RFC 3461 §4.3).</summary>
    public DsnReturn? Return { get; init; }

    /// <summary>ENVID=, decoded from xtext: the sender's own id for the transaction, quoted back in reports (RFC 3461 §4.4).</summary>
    public string? EnvelopeId { get; init; }
}
