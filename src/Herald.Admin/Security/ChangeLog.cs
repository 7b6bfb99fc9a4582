// Every change made through the admin API goes to the log, as the control channel's requests do.
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Herald.Admin.Security;

/// <summary>Logs each request that may change something (not GET or HEAD) with its client and answer.</summary>
internal sealed class ChangeLog(ILogger<ChangeLog> logger) : IMiddleware
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        await next(context);
        HttpRequest request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            logger.LogInformation(
                "admin: {Method} {Path} from {Client} -> {Status}",
                request.Method, request.Path, context.Connection.RemoteIpAddress, context.Response.StatusCode);
        }
    }
}
