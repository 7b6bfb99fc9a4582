// All settings of one Herald instance, bound from the `Herald` section and validated together.
using Herald.Admin;
using Herald.Bounces;
using Herald.Cluster;
using Herald.Delivery.Outbound;
using Herald.Dns;
using Herald.Policy;
using Herald.Server;
using Microsoft.Extensions.Configuration;

namespace Herald.Cli.Configuration;

/// <summary>The bound and validated configuration, with the embedded defaults filled in.</summary>
internal sealed class HeraldSettings
{
    private HeraldSettings(
        string dataDirectory,
        ServerOptions server,
        PolicyOptions policy,
        DeliveryOptions delivery,
        DnsOptions dns,
        BounceOptions bounces,
        ClusterOptions cluster,
        AdminOptions admin,
        bool maintenance)
    {
        Cluster = cluster;
        Admin = admin;
        Delivery = delivery;
        Dns = dns;
        Bounces = bounces;
        Maintenance = maintenance;
        DataDirectory = dataDirectory;
        Server = server;
        Policy = policy;
    }

    /// <summary><c>DataDirectory</c>: queue, mailboxes and state. Default <c>./herald-data</c>.</summary>
    public string DataDirectory { get; }

    public ServerOptions Server { get; }

    /// <summary><c>Maintenance</c>: start in maintenance mode (421 4.3.2 to everyone) until <c>herald maintenance off</c>.</summary>
    public bool Maintenance { get; }

    public PolicyOptions Policy { get; }

    /// <summary><c>Delivery:*</c>: outbound delivery; EHLO name and local domains come from <c>Hostname</c> and <c>LocalDomains</c>.</summary>
    public DeliveryOptions Delivery { get; }

    /// <summary><c>Dns</c>: the resolvers used for MX lookups, outbound routing and the null-MX checks.</summary>
    public DnsOptions Dns { get; }

    /// <summary><c>Bounces</c>: the DSN writer's settings; <c>Bounces:Hostname</c> defaults to <c>Hostname</c>.</summary>
    public BounceOptions Bounces { get; }

    /// <summary>
    /// <c>Cluster:*</c>: with <c>Cluster:Redis</c> set, rate counters, greylisting and destination state are shared
    /// through Redis (Herald.Cluster); empty, everything stays in this instance, as with no configuration at all.
    /// </summary>
    public ClusterOptions Cluster { get; }

    /// <summary><c>Admin:*</c>: the admin HTTP API, Prometheus metrics and dashboard of <c>herald serve</c>.</summary>
    public AdminOptions Admin { get; }

    public string QueueDirectory => Path.Combine(DataDirectory, "queue");

    public string MailDirectory => Path.Combine(DataDirectory, "mail");

    /// <summary>The submission users (<c>herald user</c>): name and salted PBKDF2 hash per line.</summary>
    public string UsersFile => Path.Combine(DataDirectory, "users");

    /// <summary>Where the self-signed certificate is kept when none is configured.</summary>
    public string TlsDirectory => Path.Combine(DataDirectory, "tls");

    /// <summary>Binds and validates; throws <see cref="ConfigurationException"/> naming every bad key.</summary>
    public static HeraldSettings Load(IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection(HeraldConfiguration.Section);
        var server = new ServerOptions { Hostname = DefaultHostname() };
        var policy = new PolicyOptions();
        var dns = new DnsOptions();
        var bounces = new BounceOptions();
        var delivery = new DeliveryOptions();
        var cluster = new ClusterOptions();
        var admin = new AdminOptions();
        string dataDirectory;
        bool maintenance;
        try
        {
            maintenance = section.GetValue<bool>("Maintenance");
            section.Bind(server, o => o.ErrorOnUnknownConfiguration = false);
            section.Bind(policy);
            section.GetSection(DnsOptions.SectionName).Bind(dns);
            section.GetSection("Bounces").Bind(bounces);
            section.GetSection(DeliveryOptions.SectionName).Bind(delivery);
            section.GetSection(ClusterOptions.SectionName).Bind(cluster);
            section.GetSection(AdminOptions.SectionName).Bind(admin);
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

        if (string.IsNullOrWhiteSpace(bounces.Hostname))
        {
            bounces.Hostname = server.Hostname;
        }

        var errors = server.Validate().Concat(policy.Validate()).Concat(delivery.Validate())
            .Concat(dns.Validate().Select(e => HeraldConfiguration.Section + ":" + e)).Concat(bounces.Validate()).Concat(cluster.Validate()).Concat(admin.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new ConfigurationException("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)));
        }

        return new HeraldSettings(Path.GetFullPath(dataDirectory), server, policy, delivery, dns, bounces, cluster, admin, maintenance);
    }

    /// <summary>The machine's name (gethostname, no DNS query) when it is a valid host name, else localhost.</summary>
    private static string DefaultHostname()
    {
        string name = System.Net.Dns.GetHostName();
        return Protocol.Addresses.MailboxGrammar.IsDomain(name) ? name : "localhost";
    }
}
