// /api/queue against the live queue: the operations of `herald queue`, with the shapes of `herald queue --json`.
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Queue.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Admin.Tests.Queue;

public sealed class QueueEndpointsTests
{
    private const string Sender = "alice@herald.test";
    private static readonly string Remote = "bob@" + AdminHost.RemoteDomain;

    [Fact]
    public async Task HoldListShowReleaseFlush_ActOnTheLiveQueue_InTheShapesOfHeraldQueueJson()
    {
        await using AdminHost host = await AdminHost.StartAsync();
        string id = await host.SendAsync(Sender, Remote);
        await WaitUntilDeferredAsync(host, id);

        using (JsonDocument held = await PostAsync(host, $"api/queue/{id}/hold"))
        {
            Assert.Equal(id, held.RootElement.GetProperty("id").GetString());
            Assert.Equal("held", held.RootElement.GetProperty("action").GetString());
        }

        // Held, the message stands still: the API's list is exactly what `herald queue list --json` prints.
        QueueOperations operations = host.Host.Services.GetRequiredService<QueueOperations>();
        JsonNode? printed = JsonNode.Parse(QueueJson.Serialize(await operations.ListAsync(CancellationToken.None)));
        JsonNode? served = JsonNode.Parse(await host.Http.GetStringAsync("api/queue"));
        Assert.True(JsonNode.DeepEquals(printed, served), served?.ToJsonString());
        JsonNode message = Assert.Single(served!.AsArray())!;
        Assert.True(message["held"]!.GetValue<bool>());
        Assert.Equal(Remote, message["recipients"]![0]!["address"]!.GetValue<string>());

        using (JsonDocument show = JsonDocument.Parse(await host.Http.GetStringAsync($"api/queue/{id}")))
        {
            Assert.Equal(id, show.RootElement.GetProperty("message").GetProperty("id").GetString());
            Assert.Contains("Subject: admin API test", show.RootElement.GetProperty("headers").EnumerateArray().Select(h => h.GetString()));
            Assert.Equal("127.0.0.1", show.RootElement.GetProperty("clientAddress").GetString());
        }

        using (JsonDocument flushHeld = await PostAsync(host, "api/queue/flush"))
        {
            Assert.Empty(flushHeld.RootElement.GetProperty("messages").EnumerateArray());
            Assert.Equal(1, flushHeld.RootElement.GetProperty("skippedHeld").GetInt32());
        }

        using (JsonDocument released = await PostAsync(host, $"api/queue/{id}/release"))
        {
            Assert.Equal("released", released.RootElement.GetProperty("action").GetString());
        }

        using (JsonDocument flushed = await PostAsync(host, $"api/queue/{id}/flush"))
        {
            Assert.Equal(id, Assert.Single(flushed.RootElement.GetProperty("messages").EnumerateArray()).GetProperty("id").GetString());
        }

        using JsonDocument destinations = JsonDocument.Parse(await host.Http.GetStringAsync("api/queue/destinations"));
        Assert.Equal(JsonValueKind.Array, destinations.RootElement.GetProperty("destinations").ValueKind);
    }

    [Fact]
    public async Task Bounce_ReportsToTheLocalSender_AndDelete_RemovesWithoutReport()
    {
        await using AdminHost host = await AdminHost.StartAsync();
        string bounced = await host.SendAsync(Sender, Remote);
        string deleted = await host.SendAsync(Sender, Remote);

        using (JsonDocument bounce = await PostAsync(host, $"api/queue/{bounced}/bounce"))
        {
            Assert.Equal("bounced", bounce.RootElement.GetProperty("action").GetString());
            Assert.Equal(Sender, bounce.RootElement.GetProperty("reportTo").GetString());
            Assert.Equal([Remote], bounce.RootElement.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        }

        using (HttpResponseMessage delete = await host.Http.DeleteAsync($"api/queue/{deleted}"))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
            using JsonDocument body = JsonDocument.Parse(await delete.Content.ReadAsStringAsync());
            Assert.Equal("deleted", body.RootElement.GetProperty("action").GetString());
        }

        // The bounce report is delivered into alice's Maildir by local delivery; wait for it a bounded number of times.
        string folder = Path.Combine(host.DataDirectory, "mail", "herald.test", "alice", "new");
        for (int i = 0; i < 100 && !(Directory.Exists(folder) && Directory.EnumerateFiles(folder).Any()); i++)
        {
            await Task.Delay(100);
        }

        string report = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(folder)));
        Assert.Contains("Status: 5.0.0", report, StringComparison.Ordinal);
        using JsonDocument list = JsonDocument.Parse(await host.Http.GetStringAsync("api/queue"));
        Assert.DoesNotContain(list.RootElement.EnumerateArray(), m => m.GetProperty("id").GetString() is { } id && (id == bounced || id == deleted));
    }

    [Theory]
    [InlineData("GET", "api/queue/01M8N9CYYRJ49WN8", HttpStatusCode.NotFound, "01M8N9CYYRJ49WN8 is not in the queue")]
    [InlineData("DELETE", "api/queue/01M8N9CYYRJ49WN8", HttpStatusCode.NotFound, "01M8N9CYYRJ49WN8 is not in the queue")]
    [InlineData("POST", "api/queue/01M8N9CYYRJ49WN8/bounce", HttpStatusCode.NotFound, "01M8N9CYYRJ49WN8 is not in the queue")]
    [InlineData("GET", "api/queue/not-an-id", HttpStatusCode.BadRequest, "'not-an-id' is not a queue id")]
    [InlineData("POST", "api/queue/lowercase0000000/hold", HttpStatusCode.BadRequest, "is not a queue id")]
    public async Task UnknownAndMalformedIds_AreProblemDetails(string method, string path, HttpStatusCode status, string detail)
    {
        await using AdminHost host = await AdminHost.StartAsync();

        using HttpResponseMessage response = await host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPath_AndWrongMethod_AreProblemDetailsToo()
    {
        await using AdminHost host = await AdminHost.StartAsync();

        using HttpResponseMessage unknown = await host.Http.GetAsync("api/nothing-here");
        using HttpResponseMessage wrongMethod = await host.Http.PutAsync("api/queue", null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("application/problem+json", wrongMethod.Content.Headers.ContentType!.MediaType);
    }

    /// <summary>The MX refused the first attempt: the next is minutes away, so the message stands still from here.</summary>
    private static async Task WaitUntilDeferredAsync(AdminHost host, string id)
    {
        for (int i = 0; i < 100; i++)
        {
            using JsonDocument show = JsonDocument.Parse(await host.Http.GetStringAsync($"api/queue/{id}"));
            if (show.RootElement.GetProperty("message").GetProperty("recipients")[0].GetProperty("state").GetString() == "deferred")
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{id} was never deferred.");
    }

    private static async Task<JsonDocument> PostAsync(AdminHost host, string path)
    {
        using HttpResponseMessage response = await host.Http.PostAsync(path, null);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }
}
