// Who may use the admin API: the token, the loopback Host check and the cross-site check.
using System.Net;
using System.Net.Http.Headers;
using Herald.Admin.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Admin.Tests.Security;

public sealed class AccessPolicyTests
{
    private const string Token = "s3cret-admin-token-0123456789";

    [Fact]
    public async Task LoopbackWithToken_ReadsAreOpen_ChangesNeedTheToken()
    {
        await using AdminHost host = await AdminHost.StartAsync(("Admin:Token", Token));

        using HttpResponseMessage read = await host.Http.GetAsync("api/status");
        using HttpResponseMessage anonymous = await host.Http.PostAsync("api/queue/flush", null);
        using HttpResponseMessage wrong = await SendAsync(host, HttpMethod.Post, "api/queue/flush", "not-the-token-at-all");
        using HttpResponseMessage right = await SendAsync(host, HttpMethod.Post, "api/queue/flush", Token);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Bearer realm=\"herald\"", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("invalid_token", wrong.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task LoopbackWithoutToken_RefusesAnotherHostName_AndChangesFromAnotherSite()
    {
        await using AdminHost host = await AdminHost.StartAsync();

        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/status");
        rebound.Headers.Host = "attacker.example:9025";
        using HttpResponseMessage rebinding = await host.Http.SendAsync(rebound);
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "api/queue/flush");
        crossSite.Headers.Add("Origin", "https://attacker.example");
        using HttpResponseMessage forged = await host.Http.SendAsync(crossSite);
        using var sameSite = new HttpRequestMessage(HttpMethod.Post, "api/queue/flush");
        sameSite.Headers.Add("Origin", $"http://{host.Admin.LocalEndPoint}");
        using HttpResponseMessage own = await host.Http.SendAsync(sameSite);
        using var named = new HttpRequestMessage(HttpMethod.Get, "api/status");
        named.Headers.Host = "localhost";
        using HttpResponseMessage localhost = await host.Http.SendAsync(named);

        Assert.Equal(HttpStatusCode.BadRequest, rebinding.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.OK, localhost.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/status", null, StatusCodes.Status401Unauthorized)]
    [InlineData("GET", "/metrics", null, StatusCodes.Status401Unauthorized)]
    [InlineData("GET", "/api/status", Token, StatusCodes.Status200OK)]
    [InlineData("GET", "/healthz", null, StatusCodes.Status200OK)]
    [InlineData("GET", "/readyz", null, StatusCodes.Status200OK)]
    [InlineData("GET", "/", null, StatusCodes.Status200OK)]
    [InlineData("POST", "/api/maintenance", null, StatusCodes.Status401Unauthorized)]
    public async Task OffLoopback_EverythingButTheProbesAndThePageNeedsTheToken(string method, string path, string? token, int expected)
    {
        // The endpoint is never bound here: the policy decides from the request alone, before any endpoint runs.
        var policy = new AccessPolicy(new AdminOptions { Endpoint = "192.0.2.10:9025", Token = Token });
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.Host = new HostString("mx.example.org", 9025);
        context.Response.Body = new MemoryStream();
        if (token is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + token;
        }

        bool passed = false;
        await policy.InvokeAsync(context, _ =>
        {
            passed = true;
            return Task.CompletedTask;
        });

        Assert.Equal(expected == StatusCodes.Status200OK, passed);
        if (!passed)
        {
            Assert.Equal(expected, context.Response.StatusCode);
        }
    }

    private static Task<HttpResponseMessage> SendAsync(AdminHost host, HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return host.Http.SendAsync(request);
    }
}
