// The domains this server delivers locally, compared the way DNS compares names.
using System.Globalization;

namespace Herald.Protocol.Addresses;

/// <summary>
/// The set of local domains. Comparison is case-insensitive on the A-label form (IDNA, RFC 5891), so that
/// the policy that accepts a recipient and the delivery that files it agree on what is local whichever form,
/// U-label or A-label, the client or the configuration used.
/// </summary>
public sealed class LocalDomains
{
    private static readonly IdnMapping Idn = new();

    // Normalized form → the domain as configured (the first spelling wins).
    private readonly Dictionary<string, string> _domains = new(StringComparer.Ordinal);

    public LocalDomains(IEnumerable<string> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        foreach (string domain in domains)
        {
            _domains.TryAdd(Normalize(domain), domain.TrimEnd('.'));
        }

        Primary = _domains.Count > 0 ? _domains.Values.First() : "localhost";
    }

    /// <summary>The first configured domain: where a bare &lt;Postmaster&gt; is delivered.</summary>
    public string Primary { get; }

    public bool Contains(string domain) => domain.Length > 0 && !domain.StartsWith('[') && _domains.ContainsKey(Normalize(domain));

    /// <summary>
    /// The local domain <paramref name="domain"/> names, as the configuration spells it, so that its mail lands
    /// in one place whichever form it was addressed in; null when it is not local.
    /// </summary>
    public string? Configured(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return domain.Length > 0 && !domain.StartsWith('[') && _domains.TryGetValue(Normalize(domain), out string? configured) ? configured : null;
    }

    public bool IsLocal(Mailbox mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        return Contains(mailbox.Domain);
    }

    /// <summary>Lower-case A-label form with any trailing dot removed.</summary>
    public static string Normalize(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        string trimmed = domain.TrimEnd('.');
        try
        {
            return Idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return trimmed.ToLowerInvariant();
        }
    }
}
