// All settings of one Herald instance, bound from the `Herald` section and validated together.
using Herald.Delivery.Outbound;
using Herald.Dns;
using Herald.Policy;
using Herald.Server;
using Microsoft.Extensions.Configuration;

namespace Herald.Cli.Configuration;

/// <summary>The bound and validated configuration, with the embedded defaults filled in.</summary>
internal sealed class HeraldSettings
{
    private HeraldSettings(string dataDirectory, ServerOptions server, PolicyOptions policy, DeliveryOptions delivery, DnsOptions dns, bool maintenance)
    {
        Maintenance = maintenance;
        DataDirectory = dataDirectory;
        Server = server;
        Policy = policy;
        Delivery = delivery;
        Dns = dns;
    }

    /// <summary><c>DataDirectory</c>: queue, mailboxes and state. Default <c>./herald-data</c>.</summary>
    public string DataDirectory { get; }

    public ServerOptions Server { get; }

    /// <summary><c>Maintenance</c>: start in maintenance mode (421 4.3.2 to everyone) until <c>herald maintenance off</c>.</summary>
    public bool Maintenance { get; }

    public PolicyOptions Policy { get; }

    /// <summary><c>Delivery:*</c>: outbound delivery; EHLO name and local domains come from <c>Hostname</c> and <c>LocalDomains</c>.</summary>
    public DeliveryOptions Delivery { get; }

    /// <summary><c>Dns:*</c>: the resolvers outbound delivery asks.</summary>
    public DnsOptions Dns { get; }

    public string QueueDirectory => Path.Combine(DataDirectory, "queue");

    public string MailDirectory => Path.Combine(DataDirectory, "mail");

    /// <summary>Binds and validates; throws <see cref="ConfigurationException"/> naming every bad key.</summary>
    public static HeraldSettings Load(IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection(HeraldConfiguration.Section);
        var server = new ServerOptions { Hostname = DefaultHostname() };
        var policy = new PolicyOptions();
        var delivery = new DeliveryOptions();
        var dns = new DnsOptions();
        string dataDirectory;
        bool maintenance;
        try
        {
            maintenance = section.GetValue<bool>("Maintenance");
            section.Bind(server, o => o.ErrorOnUnknownConfiguration = false);
            section.Bind(policy);
            section.GetSection(DeliveryOptions.SectionName).Bind(delivery);
            section.GetSection(DnsOptions.SectionName).Bind(dns);
            dataDirectory = section["DataDirectory"] is { Length: > 0 } configured ? configured : "herald-data";
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key and the expected type, e.g. 'Herald:Limits:MaxMessageSize'.
            throw new ConfigurationException(e.Message);
        }

        if (policy.LocalDomains.Count == 0)
        {
            policy.LocalDomains.Add("localhost");
        }

        // Outbound delivery says EHLO with the server's name unless told otherwise, and leaves the local domains alone.
        if (section.GetSection(DeliveryOptions.SectionName)["HeloName"] is not { Length: > 0 })
        {
            delivery.HeloName = server.Hostname;
        }

        delivery.LocalDomains.Clear();
        foreach (string domain in policy.LocalDomains)
        {
            delivery.LocalDomains.Add(domain);
        }

        var errors = server.Validate().Concat(policy.Validate()).Concat(delivery.Validate())
            .Concat(dns.Validate().Select(e => HeraldConfiguration.Section + ":" + e)).ToList();
        if (errors.Count > 0)
        {
            throw new ConfigurationException("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)));
        }

        return new HeraldSettings(Path.GetFullPath(dataDirectory), server, policy, delivery, dns, maintenance);
    }

    /// <summary>The machine's name (gethostname, no DNS query) when it is a valid host name, else localhost.</summary>
    private static string DefaultHostname()
    {
        string name = System.Net.Dns.GetHostName();
        return Protocol.Addresses.MailboxGrammar.IsDomain(name) ? name : "localhost";
    }
}
