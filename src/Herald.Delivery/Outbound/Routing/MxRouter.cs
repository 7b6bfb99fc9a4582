// Decides where mail for a domain goes: its MX hosts, the smart host, an address literal, or nowhere.
using System.Net;
using Herald.Dns;
using Herald.Protocol.Replies;

namespace Herald.Delivery.Outbound.Routing;

/// <summary>A host to try: a name, with its address when the name is an address already (literal, IP smart host).</summary>
internal sealed record RouteHost(string Name, IPAddress? Address, int Port);

/// <summary>Where mail for one domain goes.</summary>
internal abstract record Route
{
    private Route()
    {
    }

    /// <summary>Hosts to try in order (RFC 5321 §5.1).</summary>
    public sealed record ToHosts(IReadOnlyList<RouteHost> Hosts) : Route;

    /// <summary>
    /// Decided without a connection: the recipients are Failed or Deferred with <see cref="Template"/>,
    /// rendered with the recipient, the domain and <see cref="Detail"/>.
    /// </summary>
    public sealed record Decided(ResultKind Kind, ReplyTemplate Template, string Detail) : Route;
}

/// <summary>
/// Turns a recipient domain into a <see cref="Route"/> by section 2 of the reply contract: a null MX fails
/// at once with 5.1.10 (RFC 7505), NXDOMAIN fails with 5.1.2, a DNS failure defers with 4.4.3, a domain
/// with only A/AAAA records is its own implicit MX (the resolver does that, RFC 5321 §5.1). With
/// <c>Delivery:SmartHost</c> every domain goes to the smart host and no MX is looked up.
/// </summary>
internal sealed class MxRouter
{
    private readonly IMxResolver _resolver;
    private readonly RouteHost? _smartHost;
    private readonly int _port;
    private readonly string _ownName;

    public MxRouter(DeliveryOptions options, IMxResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
        _port = options.Port;
        _ownName = DomainNames.TryToLookupForm(options.HeloName, out string? own) ? own : options.HeloName.ToLowerInvariant();
        if (options.SmartHost is { Length: > 0 } smart)
        {
            if (!DeliveryOptions.TryParseHostPort(smart, 25, out string host, out int port))
            {
                throw new ArgumentException($"Delivery:SmartHost '{smart}' is not host:port.", nameof(options));
            }

            _smartHost = new RouteHost(host, IPAddress.TryParse(host, out IPAddress? address) ? address : null, port);
        }
    }

    public bool UsesSmartHost => _smartHost is not null;

    public async Task<Route> RouteAsync(string domain, CancellationToken cancellationToken)
    {
        if (_smartHost is not null)
        {
            return new Route.ToHosts([_smartHost]);
        }

        if (domain.StartsWith('['))
        {
            // RFC 5321 §4.1.3: an address literal names the host itself; no MX applies.
            string inner = domain.Trim('[', ']');
            if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
            {
                inner = inner[5..];
            }

            return IPAddress.TryParse(inner, out IPAddress? literal)
                ? new Route.ToHosts([new RouteHost(domain, literal, _port)])
                : new Route.Decided(ResultKind.Failed, OutboundReplies.InvalidDomain, string.Empty);
        }

        MxResolution resolution = await _resolver.ResolveMxAsync(domain, cancellationToken);
        return resolution switch
        {
            MxResolution.NullMx => new Route.Decided(ResultKind.Failed, OutboundReplies.NullMx, string.Empty),
            MxResolution.NoSuchDomain { Reason: NoSuchDomainReason.NxDomain } => new Route.Decided(ResultKind.Failed, OutboundReplies.NoSuchDomain, string.Empty),
            MxResolution.NoSuchDomain { Reason: NoSuchDomainReason.InvalidName } => new Route.Decided(ResultKind.Failed, OutboundReplies.InvalidDomain, string.Empty),
            MxResolution.NoSuchDomain => new Route.Decided(ResultKind.Failed, OutboundReplies.NoMailHost, string.Empty),
            MxResolution.TemporaryFailure failure => new Route.Decided(ResultKind.Deferred, OutboundReplies.DnsTemporaryFailure, OutboundReplies.OneLine(failure.Reason)),
            MxResolution.Found found => FromMx(found),
            _ => throw new InvalidOperationException("Unknown MX resolution."),
        };
    }

    private Route FromMx(MxResolution.Found found)
    {
        IReadOnlyList<MxHost> hosts = found.Hosts;

        // RFC 5321 §5.1: an MTA that finds its own name in the list discards that entry and every entry
        // of equal or higher preference value, so mail only ever moves towards the best MX.
        MxHost? self = hosts.FirstOrDefault(h => string.Equals(h.Name, _ownName, StringComparison.OrdinalIgnoreCase));
        if (self is not null)
        {
            hosts = [.. hosts.Where(h => h.Preference < self.Preference)];
            if (hosts.Count == 0)
            {
                return new Route.Decided(ResultKind.Failed, OutboundReplies.MailLoop, self.Name);
            }
        }

        return new Route.ToHosts([.. hosts.Select(h => new RouteHost(h.Name, null, _port))]);
    }
}
