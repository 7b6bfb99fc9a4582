// Settings of greylisting, bound from `Herald:Greylisting`.
using Herald.Protocol.Addresses;

namespace Herald.Policy.Greylisting;

/// <summary>
/// <c>Greylisting</c>: a first attempt from an unknown (client network, sender, recipient) is refused
/// with a 451 and accepted when retried after <see cref="Delay"/>. Real MTAs retry (RFC 5321 §4.5.4.1);
/// much bulk spam software does not. The delay is postgrey's (the policy server most Postfix sites
/// greylist with); the memory of a passed triplet is a little over a month, so that a sender who
/// writes monthly stays known.
/// </summary>
public sealed class GreylistOptions
{
    /// <summary><c>Greylisting:Enabled</c>. Default false: greylisting delays the first mail from every new sender, which an operator should choose knowingly.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>Greylisting:Delay</c>: how long a new triplet is refused. Default 5 minutes (postgrey's --delay=300).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <c>Greylisting:RetryWindow</c>: how long after its first attempt a triplet may come back and pass;
    /// later, it starts over. Default 24 hours: RFC 5321 §4.5.4.1 asks senders to retry for 4-5 days, but
    /// one who has not retried within a day is not retrying as an MTA does.
    /// </summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary><c>Greylisting:Expiry</c>: how long a passed triplet is remembered after its last mail. Default 36 days.</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromDays(36);

    /// <summary><c>Greylisting:AllowNetworks</c>: client networks (CIDR) never greylisted, e.g. big providers that retry from other hosts.</summary>
    public IList<string> AllowNetworks { get; } = [];

    /// <summary>
    /// <c>Greylisting:AllowSenderDomains</c>: envelope sender domains never greylisted; a domain also
    /// covers its subdomains, as Postfix access maps do (parent_domain_matches_subdomains).
    /// </summary>
    public IList<string> AllowSenderDomains { get; } = [];

    /// <summary>Checks the values and names the key of each one that is wrong.</summary>
    public IEnumerable<string> Validate()
    {
        if (Delay < TimeSpan.FromSeconds(1))
        {
            yield return "Herald:Greylisting:Delay: must be at least one second (e.g. 00:05:00).";
        }

        if (RetryWindow <= Delay)
        {
            yield return $"Herald:Greylisting:RetryWindow: {RetryWindow} must be longer than Greylisting:Delay ({Delay}), or no retry could ever pass.";
        }

        if (Expiry <= TimeSpan.Zero)
        {
            yield return "Herald:Greylisting:Expiry: must be a positive time span (e.g. 36.00:00:00).";
        }

        for (int i = 0; i < AllowNetworks.Count; i++)
        {
            if (!NetworkList.TryParse(AllowNetworks[i], out _))
            {
                yield return $"Herald:Greylisting:AllowNetworks:{i}: '{AllowNetworks[i]}' is not a network in CIDR notation (e.g. 192.0.2.0/24).";
            }
        }

        for (int i = 0; i < AllowSenderDomains.Count; i++)
        {
            if (!MailboxGrammar.IsDomain(AllowSenderDomains[i].TrimEnd('.')))
            {
                yield return $"Herald:Greylisting:AllowSenderDomains:{i}: '{AllowSenderDomains[i]}' is not a domain name.";
            }
        }
    }
}
