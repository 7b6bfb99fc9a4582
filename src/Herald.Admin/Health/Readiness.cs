// Whether the server is ready for mail, and if not, why: the answer of /readyz and the state in /api/status.
using Herald.Protocol.Replies;

namespace Herald.Admin.Health;

/// <summary>One answer to "is it ready?".</summary>
/// <param name="Status">starting, ready, maintenance, draining or not-listening.</param>
/// <param name="Ready">True for ready and maintenance: the process is up and answering SMTP, though maintenance refuses mail.</param>
/// <param name="Reason">What an operator needs to know, in words.</param>
/// <param name="Reply">The reply new connections get when it is not the 220 greeting (from the reply catalog).</param>
internal sealed record ReadinessView(string Status, bool Ready, string Reason, string? Reply = null);

/// <summary>Decides readiness from the live server state; nothing is cached.</summary>
internal static class Readiness
{
    public static ReadinessView Of(AdminContext context)
    {
        string host = context.Hostname;
        if (!context.HasStarted)
        {
            return new("starting", false, "starting: the queue is being recovered and the SMTP listeners do not accept connections yet");
        }

        if (context.Lifetime.ApplicationStopping.IsCancellationRequested || context.Server.Status.Draining)
        {
            return new("draining", false, "shutting down: open sessions are draining and new connections are refused",
                SmtpReplies.ShuttingDown.Render(host).ToString());
        }

        if (!context.Server.IsAccepting)
        {
            return new("not-listening", false, "the SMTP listeners are not accepting connections");
        }

        if (context.Server.Status.Maintenance)
        {
            // A load balancer must keep the host: it is up and answering, and its 421 tells senders to come back.
            return new("maintenance", true,
                "ready but refusing mail: maintenance mode is on, new connections and new transactions get 421 (try again later)",
                context.Server.Status.MaintenanceReply(host).ToString());
        }

        return new("ready", true, "accepting mail");
    }
}
