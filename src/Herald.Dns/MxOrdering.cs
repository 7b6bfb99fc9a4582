// Puts MX hosts in the order they are tried: by preference, equal preferences shuffled.
namespace Herald.Dns;

internal static class MxOrdering
{
    /// <summary>
    /// RFC 5321 §5.1: hosts are tried in order of preference, lowest first, and hosts of
    /// equal preference are tried in random order to spread the load. A host listed twice
    /// keeps its lowest preference, so it is not tried twice.
    /// </summary>
    public static IReadOnlyList<MxHost> Order(IEnumerable<MxHost> hosts, Random random)
    {
        var best = new Dictionary<string, MxHost>(StringComparer.OrdinalIgnoreCase);
        foreach (var host in hosts)
        {
            if (!best.TryGetValue(host.Name, out var seen) || host.Preference < seen.Preference)
            {
                best[host.Name] = host;
            }
        }

        var shuffled = best.Values.ToArray();
        random.Shuffle(shuffled);

        // OrderBy is a stable sort, so the shuffle survives within each preference.
        return shuffled.OrderBy(h => h.Preference).ToArray();
    }
}
