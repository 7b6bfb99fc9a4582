// One DNS answer reduced to what the resolver needs, as it is cached.
using System.Net;

namespace Herald.Dns;

/// <summary>The kinds of record the resolver asks for.</summary>
internal enum DnsRecordKind
{
    Mx,
    A,
    Aaaa,
}

internal enum DnsAnswerKind
{
    /// <summary>NOERROR with at least one record of the asked type.</summary>
    Records,

    /// <summary>NOERROR without a record of the asked type (RFC 2308 §2.2, NODATA).</summary>
    NoData,

    /// <summary>RCODE 3, the name does not exist (RFC 2308 §2.1).</summary>
    NxDomain,

    /// <summary>SERVFAIL, REFUSED, another error RCODE, a timeout or a network error.</summary>
    Failure,
}

/// <summary>
/// An answer to one question. MX targets are lower case without the trailing dot, and the
/// root (the null MX target of RFC 7505) is the empty string.
/// </summary>
internal sealed record DnsAnswer(
    DnsAnswerKind Kind,
    IReadOnlyList<MxHost> MxRecords,
    IReadOnlyList<IPAddress> Addresses,
    string? FailureReason)
{
    public static DnsAnswer NoData { get; } = new(DnsAnswerKind.NoData, [], [], null);

    public static DnsAnswer NxDomain { get; } = new(DnsAnswerKind.NxDomain, [], [], null);

    public static DnsAnswer Failure(string reason) => new(DnsAnswerKind.Failure, [], [], reason);

    public static DnsAnswer WithMx(IReadOnlyList<MxHost> records) => new(DnsAnswerKind.Records, records, [], null);

    public static DnsAnswer WithAddresses(IReadOnlyList<IPAddress> addresses) => new(DnsAnswerKind.Records, [], addresses, null);
}

/// <summary>An answer and how long it may be kept (zero: not at all).</summary>
internal readonly record struct TimedAnswer(DnsAnswer Answer, TimeSpan Ttl);

/// <summary>The wire behind the resolver: asks one question, never throws for DNS failures.</summary>
internal interface IDnsTransport
{
    Task<TimedAnswer> QueryAsync(string name, DnsRecordKind kind, CancellationToken cancellationToken);
}
