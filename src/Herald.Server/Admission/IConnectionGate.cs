// A check made when a connection arrives, before any session exists, so refusing costs little.
using System.Net;
using Herald.Protocol.Replies;

namespace Herald.Server.Admission;

/// <summary>
/// Decides at accept time whether a connection gets a session. A refusal is one reply (421 or 521
/// from the catalog) written straight to the socket, which is then closed.
/// </summary>
public interface IConnectionGate
{
    /// <summary>The policy name written in the log line of a refusal.</summary>
    string Name { get; }

    /// <summary>Null to admit; otherwise the reply to send before closing.</summary>
    SmtpReply? Admit(IPAddress client, ConnectionRegistry registry);
}
