// The domains this server delivers locally, compared the way DNS compares names.
using System.Globalization;
using Herald.Protocol.Addresses;

namespace Herald.Policy;

/// <summary>The set of local domains. Comparison is case-insensitive on the A-label form (IDNA, RFC 5891).</summary>
public sealed class LocalDomains
{
    private static readonly IdnMapping Idn = new();
    private readonly HashSet<string> _domains;

    public LocalDomains(IEnumerable<string> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        _domains = new HashSet<string>(domains.Select(Normalize), StringComparer.Ordinal);
        Primary = domains.FirstOrDefault() ?? "localhost";
    }

    /// <summary>The first configured domain: where a bare &lt;Postmaster&gt; is delivered.</summary>
    public string Primary { get; }

    public bool Contains(string domain) => domain.Length > 0 && !domain.StartsWith('[') && _domains.Contains(Normalize(domain));

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
