// GET /: one self-contained page, nothing loaded from elsewhere, its own script the only one allowed to run.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Herald.Admin.Tests.Dashboard;

public sealed class DashboardPageTests
{
    [Fact]
    public async Task Dashboard_IsHtml_FromThisServerOnly_WithAPolicyThatAllowsExactlyItsOwnScript()
    {
        await using AdminHost host = await AdminHost.StartAsync();

        using HttpResponseMessage response = await host.Http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        string html = await response.Content.ReadAsStringAsync();

        // No CDN, no font service, no link out: nothing with a scheme, nothing protocol-relative, no src or href at all.
        Assert.DoesNotMatch(new Regex("https?://|//[a-z0-9.-]+\\.[a-z]{2,}/|\\bsrc=|\\bhref=|@import|url\\(", RegexOptions.IgnoreCase), html);
        foreach (string endpoint in (string[])["/api/status", "/api/queue", "/api/queue/destinations", "/metrics"])
        {
            Assert.Contains($"\"{endpoint}\"", html, StringComparison.Ordinal);
        }

        string policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        string script = Regex.Match(html, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        string hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)));
        Assert.Contains($"script-src 'sha256-{hash}'", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Dashboard_DrawsServerTextAsText_NeverAsHtml()
    {
        await using AdminHost host = await AdminHost.StartAsync();

        string html = await host.Http.GetStringAsync("/");

        // Addresses, replies and subjects come from strangers: the page must never hand them to the HTML parser.
        Assert.DoesNotContain("innerHTML", html, StringComparison.Ordinal);
        Assert.DoesNotContain("insertAdjacentHTML", html, StringComparison.Ordinal);
        Assert.DoesNotContain("document.write", html, StringComparison.Ordinal);
        Assert.Contains("textContent", html, StringComparison.Ordinal);
    }
}
