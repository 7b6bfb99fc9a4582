// Turns what can go wrong with a queue operation into a problem response: 404, 400, 503 while starting, 500.
using Herald.Admin.Problems;
using Herald.Queue.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Herald.Admin.Queue;

/// <summary>
/// The queue is recovered at start-up before anything reads it, so until <c>herald serve</c> has started the
/// queue endpoints answer 503; afterwards an unknown id is 404 and a malformed one 400, with the words
/// <c>herald queue</c> prints.
/// </summary>
internal sealed class QueueProblemFilter(AdminContext context, ILogger<QueueProblemFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(next);
        if (!context.HasStarted)
        {
            invocation.HttpContext.Response.Headers.RetryAfter = "1";
            return Problem.Result(
                StatusCodes.Status503ServiceUnavailable, "Herald is starting", "The queue is being recovered; try again in a moment.");
        }

        try
        {
            return await next(invocation);
        }
        catch (QueueOperationException e) when (e.Kind == QueueErrorKind.NotFound)
        {
            return Problem.Result(StatusCodes.Status404NotFound, "Not in the queue", e.Message);
        }
        catch (QueueOperationException e)
        {
            return Problem.Result(StatusCodes.Status400BadRequest, "Bad request", e.Message);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // As the control channel does: the operator gets the reason rather than a bare 500.
            logger.LogError(e, "admin: {Method} {Path} failed", invocation.HttpContext.Request.Method, invocation.HttpContext.Request.Path);
            return Problem.Result(StatusCodes.Status500InternalServerError, "The queue operation failed", e.Message);
        }
    }
}
