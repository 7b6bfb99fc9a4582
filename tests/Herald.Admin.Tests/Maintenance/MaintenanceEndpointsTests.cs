// POST /api/maintenance flips the running server as `herald maintenance` does: new connections get 421 4.3.2.
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Admin.Tests.Maintenance;

public sealed class MaintenanceEndpointsTests
{
    [Fact]
    public async Task On_MakesNewConnectionsGet421WithTheOperatorsWords_AndOff_BringsBackThe220()
    {
        await using AdminHost host = await AdminHost.StartAsync();

        using (HttpResponseMessage on = await host.Http.PostAsJsonAsync("api/maintenance", new { on = true, message = "moving to new disks" }))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
            using JsonDocument body = JsonDocument.Parse(await on.Content.ReadAsStringAsync());
            Assert.True(body.RootElement.GetProperty("maintenance").GetBoolean());
            Assert.Equal($"421 4.3.2 {AdminHost.Hostname} Service not available - maintenance: moving to new disks", body.RootElement.GetProperty("reply").GetString());
        }

        (SmtpTestClient refused, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(host.Smtp);
        await using (refused)
        {
            ReplyAssert.Is(greeting, 421, "4.3.2");
            Assert.EndsWith("maintenance: moving to new disks", greeting.Text, StringComparison.Ordinal);
        }

        using (HttpResponseMessage off = await host.Http.PostAsJsonAsync("api/maintenance", new { on = false }))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
            using JsonDocument body = JsonDocument.Parse(await off.Content.ReadAsStringAsync());
            Assert.False(body.RootElement.GetProperty("maintenance").GetBoolean());
            Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("reply").ValueKind);
        }

        (SmtpTestClient welcomed, SmtpReply welcome) = await SmtpTestClient.ConnectAndGreetAsync(host.Smtp);
        await using (welcomed)
        {
            ReplyAssert.Is(welcome, 220);
        }
    }

    [Theory]
    [InlineData("{}", "application/json")]
    [InlineData("{\"on\": \"yes\"}", "application/json")]
    [InlineData("not json", "application/json")]
    [InlineData("{\"on\": true}", "text/plain")]
    public async Task ABodyThatIsNotOnTrueOrFalse_Is400_AndChangesNothing(string body, string contentType)
    {
        await using AdminHost host = await AdminHost.StartAsync();

        using HttpResponseMessage response = await host.Http.PostAsync("api/maintenance", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("{\"on\": true", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(host.Server.Status.Maintenance);
    }
}
