// The MX resolver Herald runs with: MX, null MX and implicit MX rules over a cached DNS client.
using System.Collections.Concurrent;
using System.Net;

namespace Herald.Dns;

/// <summary>
/// Resolves mail exchangers with DnsClient (see <see cref="DnsOptions"/>), caching each
/// answer for its TTL on the given <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// <para>Rules applied, in order, to the MX answer of a domain:</para>
/// <list type="bullet">
/// <item>NXDOMAIN: <see cref="MxResolution.NoSuchDomain"/> (<see cref="NoSuchDomainReason.NxDomain"/>).</item>
/// <item>SERVFAIL, REFUSED, timeout, network error: <see cref="MxResolution.TemporaryFailure"/>.</item>
/// <item>Only MX records whose target is the root ("."): <see cref="MxResolution.NullMx"/>. RFC 7505 §3
/// defines the null MX as the single record "0 ."; a lone "." target with another preference is
/// read the same way, since "." can never be a host and an MX record exists, so the implicit MX
/// of RFC 5321 §5.1 does not apply either.</item>
/// <item>A "." target mixed with real hosts: RFC 7505 §3 says such a domain MUST NOT publish other
/// MX records, but does not say what a sender does when it does. Herald drops the "." record and
/// uses the real hosts: the other records show that someone runs a mail server for the domain, and
/// bouncing on a misconfiguration would lose mail the domain can receive.</item>
/// <item>MX records: <see cref="MxResolution.Found"/>, sorted by preference with equal preferences
/// shuffled (RFC 5321 §5.1).</item>
/// <item>No MX record (NODATA): the A and AAAA records of the domain are looked up; if there are any,
/// the domain itself is the one, implicit, MX (RFC 5321 §5.1); if there are none,
/// <see cref="MxResolution.NoSuchDomain"/> (<see cref="NoSuchDomainReason.NoAddressRecords"/>).</item>
/// </list>
/// <para>Concurrent lookups of the same question share one query. A caller's cancellation stops its
/// wait, not the shared query, which ends within the configured timeout and retries.</para>
/// </remarks>
public sealed class DnsMxResolver : IMxResolver
{
    private readonly IDnsTransport transport;
    private readonly DnsAnswerCache cache;
    private readonly Random random;
    private readonly ConcurrentDictionary<(string Name, DnsRecordKind Kind), Lazy<Task<DnsAnswer>>> inFlight = new();

    /// <summary>
    /// Creates a resolver. Throws <see cref="ArgumentException"/> listing every problem
    /// <see cref="DnsOptions.Validate"/> finds, each naming its setting (e.g. <c>Dns:Servers</c>).
    /// </summary>
    public DnsMxResolver(DnsOptions options, TimeProvider timeProvider)
        : this(options, timeProvider, Random.Shared, transport: null)
    {
    }

    /// <summary>Seam for tests: a seeded <paramref name="random"/> makes the shuffle repeatable (it must then not be shared between threads).</summary>
    internal DnsMxResolver(DnsOptions options, TimeProvider timeProvider, Random random, IDnsTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(random);
        this.transport = transport ?? new LookupClientTransport(ValidOrThrow(options));
        cache = new DnsAnswerCache(timeProvider, options.MaxCacheEntries);
        this.random = random;
    }

    /// <inheritdoc />
    public async Task<MxResolution> ResolveMxAsync(string domain, CancellationToken cancellationToken)
    {
        if (!DomainNames.TryToLookupForm(domain, out var name))
        {
            return new MxResolution.NoSuchDomain(NoSuchDomainReason.InvalidName);
        }

        var mx = await AskAsync(name, DnsRecordKind.Mx, cancellationToken);
        switch (mx.Kind)
        {
            case DnsAnswerKind.Failure:
                return new MxResolution.TemporaryFailure(mx.FailureReason ?? "DNS failure");
            case DnsAnswerKind.NxDomain:
                return new MxResolution.NoSuchDomain(NoSuchDomainReason.NxDomain);
            case DnsAnswerKind.Records:
                var hosts = mx.MxRecords.Where(h => h.Name.Length > 0).ToArray();
                return hosts.Length == 0
                    ? new MxResolution.NullMx()
                    : new MxResolution.Found(MxOrdering.Order(hosts, random), IsImplicit: false);
            default:
                break;
        }

        // RFC 5321 §5.1: no MX records, so the domain is treated as if it had one MX naming itself,
        // provided it has an address.
        var addresses = await ResolveAddressesAsync(name, cancellationToken);
        return addresses switch
        {
            AddressResolution.Found => new MxResolution.Found([new MxHost(name, 0)], IsImplicit: true),
            AddressResolution.NoSuchHost none => new MxResolution.NoSuchDomain(none.Reason),
            AddressResolution.TemporaryFailure failure => new MxResolution.TemporaryFailure(failure.Reason),
            _ => throw new InvalidOperationException("Unknown address resolution."),
        };
    }

    /// <inheritdoc />
    public async Task<AddressResolution> ResolveAddressesAsync(string host, CancellationToken cancellationToken)
    {
        if (!DomainNames.TryToLookupForm(host, out var name))
        {
            return new AddressResolution.NoSuchHost(NoSuchDomainReason.InvalidName);
        }

        var v6Task = AskAsync(name, DnsRecordKind.Aaaa, cancellationToken);
        var v4Task = AskAsync(name, DnsRecordKind.A, cancellationToken);
        var v6 = await v6Task;
        var v4 = await v4Task;

        // One family is enough to deliver: a failure of the other does not hold the mail back.
        var addresses = new List<IPAddress>(v6.Addresses.Count + v4.Addresses.Count);
        addresses.AddRange(v6.Addresses);
        addresses.AddRange(v4.Addresses);
        if (addresses.Count > 0)
        {
            return new AddressResolution.Found(addresses);
        }

        if (v6.Kind == DnsAnswerKind.Failure || v4.Kind == DnsAnswerKind.Failure)
        {
            var failed = v6.Kind == DnsAnswerKind.Failure ? v6 : v4;
            return new AddressResolution.TemporaryFailure(failed.FailureReason ?? "DNS failure");
        }

        return v6.Kind == DnsAnswerKind.NxDomain || v4.Kind == DnsAnswerKind.NxDomain
            ? new AddressResolution.NoSuchHost(NoSuchDomainReason.NxDomain)
            : new AddressResolution.NoSuchHost(NoSuchDomainReason.NoAddressRecords);
    }

    private async Task<DnsAnswer> AskAsync(string name, DnsRecordKind kind, CancellationToken cancellationToken)
    {
        if (cache.TryGet(name, kind, out var cached))
        {
            return cached;
        }

        var flight = inFlight.GetOrAdd(
            (name, kind),
            static (key, self) => new Lazy<Task<DnsAnswer>>(() => self.FetchAsync(key.Name, key.Kind)),
            this);
        return await flight.Value.WaitAsync(cancellationToken);
    }

    private async Task<DnsAnswer> FetchAsync(string name, DnsRecordKind kind)
    {
        try
        {
            // Not the caller's token: other callers may be waiting on this query too.
            var timed = await transport.QueryAsync(name, kind, CancellationToken.None);
            cache.Set(name, kind, timed.Answer, timed.Ttl);
            return timed.Answer;
        }
        finally
        {
            inFlight.TryRemove((name, kind), out _);
        }
    }

    private static DnsOptions ValidOrThrow(DnsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? options : throw new ArgumentException(string.Join(" ", errors), nameof(options));
    }
}
