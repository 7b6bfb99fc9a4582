// /healthz and /readyz: the probes of a service manager, a load balancer or Kubernetes.
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Herald.Admin.Health;

internal static class HealthEndpoints
{
    public const string Liveness = "/healthz";
    public const string ReadinessPath = "/readyz";

    public static void Map(IEndpointRouteBuilder app)
    {
        // Alive as long as this answers: a restart would not help a server that is only draining or in maintenance.
        app.MapGet(Liveness, () => TypedResults.Ok(new { status = "alive" }));
        app.MapGet(ReadinessPath, (AdminContext context) =>
        {
            ReadinessView readiness = Readiness.Of(context);
            return TypedResults.Json(readiness, statusCode: readiness.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }
}
