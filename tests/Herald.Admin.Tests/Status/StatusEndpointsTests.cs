// GET /api/status: the facts an operator looks at first, from the live server.
using System.Net;
using System.Text.Json;
using Herald.TestSupport.Smtp;

namespace Herald.Admin.Tests.Status;

public sealed class StatusEndpointsTests
{
    [Fact]
    public async Task Status_ShowsHostVersionListenersSessionsAndQueue()
    {
        await using AdminHost host = await AdminHost.StartAsync();
        await host.SendAsync("alice@example.org", "bob@" + AdminHost.RemoteDomain);
        (SmtpTestClient client, _) = await SmtpTestClient.ConnectAndGreetAsync(host.Smtp);
        await using (client)
        {
            using HttpResponseMessage response = await host.Http.GetAsync("api/status");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            using JsonDocument body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
            JsonElement status = body.RootElement;
            Assert.Equal(AdminHost.Hostname, status.GetProperty("hostname").GetString());
            Assert.False(string.IsNullOrEmpty(status.GetProperty("version").GetString()));
            Assert.True(status.GetProperty("uptimeSeconds").GetInt64() >= 0);
            Assert.Equal("ready", status.GetProperty("state").GetString());
            Assert.False(status.GetProperty("maintenance").GetBoolean());
            Assert.Equal(JsonValueKind.Null, status.GetProperty("maintenanceReply").ValueKind);
            Assert.False(status.GetProperty("draining").GetBoolean());
            JsonElement listener = Assert.Single(status.GetProperty("listeners").EnumerateArray());
            Assert.Equal("smtp", listener.GetProperty("name").GetString());
            Assert.Equal(host.Smtp.ToString(), listener.GetProperty("endpoint").GetString());
            Assert.True(listener.GetProperty("acceptsMail").GetBoolean());
            Assert.Equal(1, status.GetProperty("connections").GetInt32());
            JsonElement queue = status.GetProperty("queue");
            Assert.Equal(1, queue.GetProperty("messages").GetInt32());
            Assert.Equal(1, queue.GetProperty("active").GetInt32());
            Assert.Equal(0, queue.GetProperty("held").GetInt32());
            Assert.Equal(0, queue.GetProperty("corrupt").GetInt32());
            Assert.Equal(JsonValueKind.String, queue.GetProperty("oldestArrival").ValueKind);
        }
    }
}
