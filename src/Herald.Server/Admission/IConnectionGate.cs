// A check made when a connection arrives, before any session exists, so refusing costs little.
using System.Net;
using Herald.Protocol.Replies;

namespace Herald.Server.Admission;

/// <summary>A refused connection: the one reply it gets, and the policy that refused it (for the log line).</summary>
public sealed record AdmissionRefusal(SmtpReply Reply, string Policy);

/// <summary>
/// Decides at accept time whether a connection gets a session. A refusal is one reply (421 or 521
/// from the catalog) written straight to the socket, which is then closed.
/// </summary>
public interface IConnectionGate
{
    /// <summary>
    /// Null to admit; otherwise the refusal. Called on the accept path, one connection at a time: keep it
    /// cheap. Most gates answer synchronously; a policy check with a shared store takes one round trip.
    /// </summary>
    ValueTask<AdmissionRefusal?> AdmitAsync(IPAddress client, ConnectionRegistry registry, CancellationToken cancellationToken);
}
