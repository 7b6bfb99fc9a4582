// GET /api/status: host, version, uptime, maintenance, drain, listeners, sessions and queue size in one answer.
using Herald.Admin.Health;
using Herald.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Herald.Admin.Status;

internal static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/status", (AdminContext context) => TypedResults.Ok(Of(context)));

    public static StatusView Of(AdminContext context)
    {
        ServerStatus status = context.Server.Status;
        DateTimeOffset now = context.Time.GetUtcNow();
        ListenerView[] listeners = [.. context.ServerOptions.EffectiveListeners.Select(l => new ListenerView(
            l.Name,
            context.Server.Endpoints.TryGetValue(l.Name, out System.Net.IPEndPoint? bound) ? bound.ToString() : l.Endpoint,
            l.AcceptMail ?? context.ServerOptions.AcceptMail,
            l.ImplicitTls,
            l.RequireAuth))];
        return new StatusView(
            context.Hostname,
            context.Version,
            context.StartedAt,
            (long)Math.Max(0, (now - context.StartedAt).TotalSeconds),
            Readiness.Of(context).Status,
            status.Maintenance,
            status.Maintenance ? status.MaintenanceReply(context.Hostname).ToString() : null,
            status.Draining,
            listeners,
            context.Server.Connections.Count,
            context.QueueDepth.Depth());
    }
}
