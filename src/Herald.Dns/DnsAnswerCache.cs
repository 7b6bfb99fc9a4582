// Keeps DNS answers for their TTL, measured on the injected clock.
namespace Herald.Dns;

/// <summary>
/// A bounded cache of answers keyed by (name, type). Positive answers live for their
/// smallest TTL (RFC 2181 §5.2), negative ones for the SOA rule of RFC 2308 §5, failures
/// for the configured failure time; everything is capped by the configured maximum.
/// When full, expired entries are swept, and if that frees nothing the new answer is not
/// kept: under a flood of distinct names the cache stops growing rather than evicting the
/// answers still in use.
/// </summary>
internal sealed class DnsAnswerCache(TimeProvider timeProvider, int maxEntries)
{
    private readonly Dictionary<(string Name, DnsRecordKind Kind), Entry> entries = [];
    private readonly Lock gate = new();

    public bool TryGet(string name, DnsRecordKind kind, out DnsAnswer answer)
    {
        var now = timeProvider.GetUtcNow();
        lock (gate)
        {
            if (entries.TryGetValue((name, kind), out var entry))
            {
                if (now < entry.Expires)
                {
                    answer = entry.Answer;
                    return true;
                }

                entries.Remove((name, kind));
            }
        }

        answer = DnsAnswer.NoData;
        return false;
    }

    public void Set(string name, DnsRecordKind kind, DnsAnswer answer, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero || maxEntries == 0)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        lock (gate)
        {
            if (entries.Count >= maxEntries && !entries.ContainsKey((name, kind)))
            {
                foreach (var key in entries.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToList())
                {
                    entries.Remove(key);
                }

                if (entries.Count >= maxEntries)
                {
                    return;
                }
            }

            entries[(name, kind)] = new Entry(answer, now + ttl);
        }
    }

    private readonly record struct Entry(DnsAnswer Answer, DateTimeOffset Expires);
}
