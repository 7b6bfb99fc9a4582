// POST /api/maintenance: `herald maintenance on|off`, over HTTP; the same control operation the socket runs.
using System.Text.Json;
using Herald.Admin.Problems;
using Herald.Server.Control;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Herald.Admin.Maintenance;

/// <summary>The body of <c>POST /api/maintenance</c>.</summary>
/// <param name="On">True to refuse new connections and transactions with 421 4.3.2; false to accept mail again.</param>
/// <param name="Message">The operator's words for the 421 text, e.g. "moving to new disks"; optional.</param>
internal sealed record MaintenanceRequest(bool? On, string? Message);

/// <summary>The answer: the state now, and what new connections are told.</summary>
/// <param name="Reply">While on, the 421 reply new connections and transactions get; null when off.</param>
internal sealed record MaintenanceView(bool Maintenance, string Text, string? Reply);

internal static class MaintenanceEndpoints
{
    private const string Usage = "The body must be JSON: {\"on\": true, \"message\": \"optional words for the 421\"} or {\"on\": false}.";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/maintenance", async (HttpRequest request, AdminContext context, IOptions<JsonOptions> json) =>
        {
            MaintenanceRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync<MaintenanceRequest>(json.Value.SerializerOptions, request.HttpContext.RequestAborted);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                // InvalidOperationException: a body that is not application/json.
                return Problem.Result(StatusCodes.Status400BadRequest, "Bad request", Usage);
            }

            if (body?.On is not bool on)
            {
                return Problem.Result(StatusCodes.Status400BadRequest, "Bad request", Usage);
            }

            ControlResponse answer = context.Control.Execute(new ControlRequest("maintenance", on, body.Message));
            return TypedResults.Ok(new MaintenanceView(
                context.Server.Status.Maintenance,
                answer.Text,
                context.Server.Status.Maintenance ? context.Server.Status.MaintenanceReply(context.Hostname).ToString() : null));
        });
}
