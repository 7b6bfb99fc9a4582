// Configuration of the receiving policy: local domains, users, trusted networks, rates, greylisting, resources.
using Herald.Policy.Greylisting;
using Herald.Policy.Rates;
using Herald.Policy.Resources;

namespace Herald.Policy;

/// <summary>Bound from the <c>Herald</c> configuration section.</summary>
public sealed class PolicyOptions
{
    /// <summary><c>LocalDomains</c>: mail for these domains is delivered into Maildir.</summary>
    public IList<string> LocalDomains { get; } = [];

    /// <summary><c>Users</c>: the local addresses that exist; empty means any local part is accepted.</summary>
    public IList<string> Users { get; } = [];

    /// <summary><c>TrustedNetworks</c>: CIDR networks whose clients may relay without authenticating.</summary>
    public IList<string> TrustedNetworks { get; } = [];

    /// <summary><c>RateLimits</c>: per-client connection, message, recipient and AUTH failure rates.</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary><c>Greylisting</c>: delaying first attempts from unknown triplets.</summary>
    public GreylistOptions Greylisting { get; set; } = new();

    /// <summary><c>Checks</c>: optional checks such as the null-MX sender check.</summary>
    public CheckOptions Checks { get; set; } = new();

    /// <summary>
    /// The resource floors of <c>Limits</c> (free disk, memory). The same section holds the server's
    /// own limits, bound to its options; each class reads only its own keys.
    /// </summary>
    public ResourceLimitOptions Limits { get; set; } = new();

    /// <summary>
    /// <c>Delivery:SmartHost</c>, read here too (the delivery engine binds the rest of the section): with a
    /// smart host every relayed message goes to it, so a recipient domain's MX is not the policy's business.
    /// </summary>
    public RelayRoutingOptions Delivery { get; set; } = new();

    /// <summary>Checks the values and names the key of each one that is wrong.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (string domain in LocalDomains)
        {
            if (!Protocol.Addresses.MailboxGrammar.IsDomain(domain.TrimEnd('.')))
            {
                yield return $"Herald:LocalDomains: '{domain}' is not a domain name.";
            }
        }

        foreach (string user in Users)
        {
            if (!Protocol.Addresses.MailboxGrammar.TryParseMailbox(user, out _))
            {
                yield return $"Herald:Users: '{user}' is not an address (local-part@domain).";
            }
        }

        foreach (string network in TrustedNetworks)
        {
            if (!NetworkList.TryParse(network, out _))
            {
                yield return $"Herald:TrustedNetworks: '{network}' is not a network in CIDR notation (e.g. 192.0.2.0/24).";
            }
        }

        foreach (string error in RateLimits.Validate().Concat(Greylisting.Validate()).Concat(Limits.Validate()))
        {
            yield return error;
        }
    }
}
