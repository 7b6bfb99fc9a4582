// /api/queue: the operations of `herald queue`, with the same JSON shapes as `herald queue --json`.
using Herald.Queue.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Herald.Admin.Queue;

internal static class QueueEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder queue = app.MapGroup("/api/queue").AddEndpointFilter<QueueProblemFilter>();

        // Literal segments win over {id}, so "destinations" and "flush" are never read as queue ids.
        queue.MapGet("/", (QueueOperations ops, CancellationToken ct) => ops.ListAsync(ct));
        queue.MapGet("/destinations", (QueueOperations ops, CancellationToken ct) => ops.DestinationsAsync(ct));
        queue.MapPost("/flush", (QueueOperations ops, CancellationToken ct) => ops.FlushAsync(null, ct));
        queue.MapGet("/{id}", (string id, QueueOperations ops, CancellationToken ct) => ops.ShowAsync(id, ct));
        queue.MapDelete("/{id}", (string id, QueueOperations ops, CancellationToken ct) => ops.DeleteAsync(id, ct));
        queue.MapPost("/{id}/flush", (string id, QueueOperations ops, CancellationToken ct) => ops.FlushAsync(id, ct));
        queue.MapPost("/{id}/hold", (string id, QueueOperations ops, CancellationToken ct) => ops.HoldAsync(id, hold: true, ct));
        queue.MapPost("/{id}/release", (string id, QueueOperations ops, CancellationToken ct) => ops.HoldAsync(id, hold: false, ct));
        queue.MapPost("/{id}/bounce", (string id, QueueOperations ops, CancellationToken ct) => ops.BounceAsync(id, ct));
    }
}
