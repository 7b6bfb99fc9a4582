// What every session of a listener shares: configuration, policy, the queue, time and logging.
using Herald.Policy;
using Herald.Protocol.Commands;
using Herald.Queue;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Sessions;

/// <summary>The services a session is built with; one instance per listener.</summary>
internal sealed record SessionServices(
    ServerOptions Options,
    ListenerOptions Listener,
    RestrictionList Restrictions,
    LocalDomains LocalDomains,
    NetworkList TrustedNetworks,
    IQueueStore Queue,
    ServerStatus Status,
    TimeProvider Time,
    ILogger Logger)
{
    public SmtpCommandParser Parser { get; } = new(Options.Limits.MaxCommandLineLength, Options.Smtp.BareLineFeed);

    public bool AcceptsMail => Listener.AcceptMail ?? Options.AcceptMail;
}
