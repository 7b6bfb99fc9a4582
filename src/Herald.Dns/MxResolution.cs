// What an MX lookup found: hosts to try, a null MX, a domain that does not exist, or a DNS failure.
namespace Herald.Dns;

/// <summary>One mail exchanger: a host name (A-label form, no trailing dot) and its preference.</summary>
public sealed record MxHost(string Name, int Preference);

/// <summary>
/// The outcome of resolving a domain's mail exchangers. Exactly one of
/// <see cref="Found"/>, <see cref="NullMx"/>, <see cref="NoSuchDomain"/> or
/// <see cref="TemporaryFailure"/>; switch on the type.
/// </summary>
public abstract record MxResolution
{
    private MxResolution()
    {
    }

    /// <summary>
    /// Hosts to try, in order: sorted by preference, equal preferences shuffled
    /// (RFC 5321 §5.1). When <see cref="IsImplicit"/> is true the domain has no MX records
    /// but has A/AAAA records, and <see cref="Hosts"/> holds the domain itself with
    /// preference 0 (the implicit MX of RFC 5321 §5.1).
    /// </summary>
    public sealed record Found(IReadOnlyList<MxHost> Hosts, bool IsImplicit) : MxResolution;

    /// <summary>
    /// The domain publishes a null MX (RFC 7505): it accepts no mail, so nothing may be
    /// delivered to it and mail from it cannot be answered.
    /// </summary>
    public sealed record NullMx : MxResolution;

    /// <summary>The domain does not exist for mail; <see cref="Reason"/> says why.</summary>
    public sealed record NoSuchDomain(NoSuchDomainReason Reason) : MxResolution;

    /// <summary>
    /// DNS could not answer now (SERVFAIL, REFUSED, timeout, network error): defer and retry.
    /// <see cref="Reason"/> is a short text for logs and DSNs.
    /// </summary>
    public sealed record TemporaryFailure(string Reason) : MxResolution;
}

/// <summary>Why a name counts as nonexistent.</summary>
public enum NoSuchDomainReason
{
    /// <summary>The DNS answered NXDOMAIN (RCODE 3): the name does not exist at all.</summary>
    NxDomain,

    /// <summary>
    /// The name exists but has no MX and no A/AAAA records (or, for a host, no A/AAAA
    /// records), so there is nowhere to deliver.
    /// </summary>
    NoAddressRecords,

    /// <summary>The name is not a valid domain name (bad IDNA, empty label, too long), so no query was made.</summary>
    InvalidName,
}
