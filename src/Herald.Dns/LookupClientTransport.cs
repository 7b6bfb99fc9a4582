// Asks the DNS through DnsClient's LookupClient and reduces each response to a DnsAnswer.
using DnsClient;

namespace Herald.Dns;

/// <summary>
/// The DnsClient side of the resolver. DnsClient's own cache is off: Herald caches in
/// <see cref="DnsAnswerCache"/> on its <see cref="TimeProvider"/>, with the negative-caching
/// rule of RFC 2308 §5 and a bounded size, neither of which DnsClient offers.
/// </summary>
internal sealed class LookupClientTransport : IDnsTransport
{
    private readonly LookupClient client;
    private readonly DnsOptions options;

    public LookupClientTransport(DnsOptions options)
    {
        this.options = options;
        var servers = options.ServerEndpoints();
        var settings = servers.Count > 0
            ? new LookupClientOptions(servers.Select(s => new NameServer(s)).ToArray())
            : new LookupClientOptions();
        settings.Timeout = options.Timeout;
        settings.Retries = options.Retries;
        settings.UseCache = false;

        // Errors come back as responses, never as exceptions. A SERVFAIL is asked again (DnsClient
        // retries it on the same server up to Retries, then moves to the next server), since a
        // recursive resolver's SERVFAIL is often passing; an empty (NODATA) answer is final.
        settings.ThrowDnsErrors = false;
        settings.ContinueOnDnsError = true;
        settings.ContinueOnEmptyResponse = false;

        // The configured order is the operator's order of preference, as in resolv.conf(5).
        settings.UseRandomNameServer = false;

        // RFC 7766 §5: a truncated UDP answer is asked again over TCP.
        settings.UseTcpFallback = true;
        client = new LookupClient(settings);
    }

    public async Task<TimedAnswer> QueryAsync(string name, DnsRecordKind kind, CancellationToken cancellationToken)
    {
        var type = kind switch
        {
            DnsRecordKind.Mx => QueryType.MX,
            DnsRecordKind.A => QueryType.A,
            _ => QueryType.AAAA,
        };
        var what = $"{type} lookup of {name}";

        IDnsQueryResponse response;
        try
        {
            // The trailing dot makes the name fully qualified: no search list applies.
            response = await client.QueryAsync(name + ".", type, QueryClass.IN, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (DnsResponseException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Message, e, cancellationToken);
        }
        catch (DnsResponseException e) when (e.Code == DnsResponseCode.ConnectionTimeout)
        {
            return Failed($"{what} timed out");
        }
        // Whatever went wrong on the way (DnsClient wraps most errors in DnsResponseException,
        // but lets a few of its own, such as a reply ID mismatch on the last try, through), the
        // mail must be deferred, not the process crashed: a DNS failure is a value here.
        catch (Exception e)
        {
            return Failed($"{what} failed: {e.Message}");
        }

        return Reduce(response, kind, what);
    }

    private TimedAnswer Reduce(IDnsQueryResponse response, DnsRecordKind kind, string what)
    {
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                break;
            case DnsHeaderResponseCode.NotExistentDomain:
                return new TimedAnswer(DnsAnswer.NxDomain, NegativeTtl(response));
            case DnsHeaderResponseCode.ServerFailure:
                return Failed($"{what}: server failure (SERVFAIL)");
            case DnsHeaderResponseCode.Refused:
                return Failed($"{what}: refused (REFUSED)");
            default:
                return Failed($"{what}: DNS error {response.Header.ResponseCode}");
        }

        // Answers may open with the CNAME chain that led to the records (RFC 1034 §3.6.2);
        // its TTLs bound the answer's lifetime as much as the records' own.
        DnsAnswer answer = kind switch
        {
            DnsRecordKind.Mx => response.Answers.MxRecords()
                .Select(mx => new MxHost(HostName(mx.Exchange.Value), mx.Preference))
                .ToArray() is { Length: > 0 } mx ? DnsAnswer.WithMx(mx) : DnsAnswer.NoData,
            DnsRecordKind.A => response.Answers.ARecords()
                .Select(a => a.Address).ToArray() is { Length: > 0 } v4 ? DnsAnswer.WithAddresses(v4) : DnsAnswer.NoData,
            _ => response.Answers.AaaaRecords()
                .Select(a => a.Address).ToArray() is { Length: > 0 } v6 ? DnsAnswer.WithAddresses(v6) : DnsAnswer.NoData,
        };

        if (answer.Kind == DnsAnswerKind.NoData)
        {
            return new TimedAnswer(answer, NegativeTtl(response));
        }

        var ttl = response.Answers.Min(r => Math.Max(r.InitialTimeToLive, 0));
        return new TimedAnswer(answer, Cap(TimeSpan.FromSeconds(ttl)));
    }

    // RFC 2308 §5: a negative answer lives for the smaller of the SOA's TTL and its MINIMUM
    // field; one without an SOA in the authority section SHOULD NOT be cached.
    private TimeSpan NegativeTtl(IDnsQueryResponse response)
    {
        var soa = response.Authorities.SoaRecords().FirstOrDefault();
        if (soa is null)
        {
            return TimeSpan.Zero;
        }

        var seconds = Math.Min((long)Math.Max(soa.InitialTimeToLive, 0), soa.Minimum);
        return Cap(TimeSpan.FromSeconds(seconds));
    }

    private TimeSpan Cap(TimeSpan ttl) => ttl < options.MaxCacheTime ? ttl : options.MaxCacheTime;

    private TimedAnswer Failed(string reason) => new(DnsAnswer.Failure(reason), options.FailureCacheTime);

    // DNS names compare without regard to case (RFC 4343); the root, a null MX's target,
    // becomes the empty string.
    private static string HostName(string fqdn) => fqdn.TrimEnd('.').ToLowerInvariant();
}
