// Who may use the admin API: the bearer token, the loopback Host check and the cross-site check, in one place.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Herald.Admin.Health;
using Herald.Admin.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Herald.Admin.Security;

/// <summary>
/// The rules, in order:
/// <list type="number">
/// <item>On a loopback endpoint, a request without the token must name this machine in its Host header
/// (localhost, 127.0.0.1, [::1]): a web page whose own name an attacker points at 127.0.0.1 (DNS rebinding)
/// gets nothing.</item>
/// <item>With a token configured, every request that changes something needs it, and on a non-loopback
/// endpoint every request does, except the probes (<c>/healthz</c>, <c>/readyz</c>) and the dashboard's page,
/// which holds no data (it asks for the token and sends it with each call).</item>
/// <item>A change without the token (a loopback endpoint with none configured) is refused when a browser says it
/// comes from another site (<c>Origin</c>, <c>Sec-Fetch-Site</c>), so a page cannot flush or bounce mail.</item>
/// </list>
/// </summary>
internal sealed class AccessPolicy(AdminOptions options) : IMiddleware
{
    private readonly byte[]? _tokenHash = options.EffectiveToken is { } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token)) : null;
    private readonly bool _loopback = options.IsLoopback;

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        HttpRequest request = context.Request;
        bool authorized = HasValidToken(request);
        if (_loopback && !authorized && !NamesThisMachine(request.Host))
        {
            return Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "Unknown host",
                $"This admin endpoint listens on loopback and answers requests for localhost, 127.0.0.1 or [::1], not '{request.Host}'.");
        }

        bool changes = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method);
        if (_tokenHash is not null && !authorized && (changes || !_loopback) && !IsOpenPage(request))
        {
            bool given = request.Headers.Authorization.Count > 0;
            context.Response.Headers.WWWAuthenticate = given ? "Bearer realm=\"herald\", error=\"invalid_token\"" : "Bearer realm=\"herald\"";
            return Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, "Token required",
                given ? "The bearer token is not the one in Herald:Admin:Token." : "Send the token of Herald:Admin:Token as 'Authorization: Bearer <token>'.");
        }

        if (changes && !authorized && IsCrossSite(request))
        {
            return Problem.WriteAsync(context, StatusCodes.Status403Forbidden, "Cross-site request refused",
                "A browser sent this change from another site's page; changes come from the operator's own tools.");
        }

        return next(context);
    }

    private static bool IsOpenPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.Value is "/" or HealthEndpoints.Liveness or HealthEndpoints.ReadinessPath;

    private bool HasValidToken(HttpRequest request)
    {
        if (_tokenHash is null || request.Headers.Authorization.ToString() is not { } header
            || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hashes of equal length, compared in constant time: the comparison tells nothing about how much matched.
        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _tokenHash);
    }

    private static bool NamesThisMachine(HostString host)
    {
        if (!host.HasValue)
        {
            return true;
        }

        string name = host.Host.Trim('[', ']');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out IPAddress? address) && IPAddress.IsLoopback(address));
    }

    private static bool IsCrossSite(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site")
        {
            return true;
        }

        string origin = request.Headers[HeaderNames.Origin].ToString();
        return origin.Length > 0
            && !(Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }
}
