// Configuration of the receiving policy: local domains, local users, trusted networks.
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
    }
}
