// GET /: the dashboard, one self-contained page read from the assembly, with a Content-Security-Policy pinned to it.
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Herald.Admin.Dashboard;

/// <summary>
/// The page polls the JSON API (<c>/api/status</c>, <c>/api/queue</c>, <c>/api/queue/destinations</c>,
/// <c>/metrics</c>) and draws what it gets; it loads nothing else. Its policy allows exactly its own inline
/// script and style (by SHA-256) and requests to this origin, so nothing injected into it could run or leak.
/// </summary>
internal static partial class DashboardPage
{
    private const string ResourceName = "Herald.Admin.Dashboard.dashboard.html";

    private static readonly Lazy<(byte[] Html, string Policy)> Page = new(Load);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/", (HttpResponse response) =>
        {
            (byte[] html, string policy) = Page.Value;
            response.Headers.ContentSecurityPolicy = policy;
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers.CacheControl = "no-store";
            return TypedResults.Bytes(html, "text/html; charset=utf-8");
        });

    /// <summary>The page as served, for tests.</summary>
    internal static string Html => Encoding.UTF8.GetString(Page.Value.Html);

    private static (byte[] Html, string Policy) Load()
    {
        using Stream stream = typeof(DashboardPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The dashboard page {ResourceName} is not embedded in {typeof(DashboardPage).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string html = reader.ReadToEnd();
        string scripts = string.Join(' ', ScriptBlock().Matches(html).Select(m => Hash(m.Groups[1].Value)));
        string styles = string.Join(' ', StyleBlock().Matches(html).Select(m => Hash(m.Groups[1].Value)));
        string policy = $"default-src 'none'; script-src {scripts}; style-src {styles}; connect-src 'self'; img-src data:; " +
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return (Encoding.UTF8.GetBytes(html), policy);
    }

    private static string Hash(string block) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(block)))}'";

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptBlock();

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleBlock();
}
