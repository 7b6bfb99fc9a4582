// What every session of a listener shares: configuration, policy, the queue, time and logging.
using Herald.Policy;
using Herald.Policy.Authentication;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Server.Admission;
using Herald.Server.Tls;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Sessions;

/// <summary>The services a session is built with; one instance per listener.</summary>
internal sealed record SessionServices(
    ServerOptions Options,
    ListenerOptions Listener,
    ReceivingPolicy Policy,
    IQueueStore Queue,
    ServerStatus Status,
    TimeProvider Time,
    ILogger Logger,
    TlsContext? Tls,
    ICredentialVerifier? Credentials,
    ServerMetrics Metrics)
{
    /// <summary>The stress rules shared by every listener; null for a session outside any listener.</summary>
    public SlotPressure? Pressure { get; init; }

    /// <summary>The wait for the next command now: shorter while the server is under stress.</summary>
    public TimeSpan CommandTimeout => Pressure?.CommandTimeout ?? Options.Limits.CommandTimeout;

    public SmtpCommandParser Parser { get; } = new(Options.Limits.MaxCommandLineLength, Options.Smtp.BareLineFeed);

    public bool AcceptsMail => Listener.AcceptMail ?? Options.AcceptMail;

    public RestrictionList Restrictions => Policy.Restrictions;

    public LocalDomains LocalDomains => Policy.LocalDomains;

    public NetworkList TrustedNetworks => Policy.TrustedNetworks;
}
