// `herald queue` against the real running process: the commands go through the control channel to the live queue.
using System.Text.Json;
using Herald.Protocol.Replies;
using Herald.TestSupport.Processes;
using Herald.TestSupport.Smtp;

namespace Herald.Integration.Tests.Cli;

public sealed class QueueCommandTests
{
    [Fact]
    public async Task ListHoldReleaseDelete_OnARunningServer()
    {
        // The only MX of remote.example refuses connections, so the relayed message stays queued, deferred.
        await using HeraldProcess herald = RemoteUnreachable();
        await herald.StartAsync();
        string id = await SendAsync(herald, "alice@herald.test", "bob@remote.example");

        using (JsonDocument list = await ListUntilDeferredAsync(herald))
        {
            JsonElement message = Assert.Single(list.RootElement.EnumerateArray());
            Assert.Equal(id, message.GetProperty("id").GetString());
            Assert.Equal("alice@herald.test", message.GetProperty("sender").GetString());
            Assert.False(message.GetProperty("held").GetBoolean());
            JsonElement recipient = Assert.Single(message.GetProperty("recipients").EnumerateArray());
            Assert.Equal("bob@remote.example", recipient.GetProperty("address").GetString());
            Assert.Equal("deferred", recipient.GetProperty("state").GetString());
        }

        (int exit, string output, string error) = await QueueAsync(herald, "hold", id);
        Assert.True(exit == 0, error);
        Assert.Contains($"{id} is on hold", output, StringComparison.Ordinal);
        using (JsonDocument list = await ListAsync(herald))
        {
            Assert.True(Assert.Single(list.RootElement.EnumerateArray()).GetProperty("held").GetBoolean());
        }

        Assert.Equal(0, (await QueueAsync(herald, "release", id)).ExitCode);
        using (JsonDocument list = await ListAsync(herald))
        {
            Assert.False(Assert.Single(list.RootElement.EnumerateArray()).GetProperty("held").GetBoolean());
        }

        Assert.Equal(0, (await QueueAsync(herald, "delete", id)).ExitCode);
        using (JsonDocument list = await ListAsync(herald))
        {
            Assert.Empty(list.RootElement.EnumerateArray());
        }

        // Through the server, not the files: the server logged each request, and it knows the MX host that refused.
        Assert.Contains($"control: queue-hold {id}", herald.Output, StringComparison.Ordinal);
        (int destinationsExit, string destinations, _) = await QueueAsync(herald, "destinations", "--json");
        Assert.Equal(0, destinationsExit);
        Assert.Contains("\"mx.remote.example\"", destinations, StringComparison.Ordinal);
        Assert.Contains("\"backing off\"", destinations, StringComparison.Ordinal);

        (int unknownExit, _, string unknown) = await QueueAsync(herald, "show", id);
        Assert.Equal(65, unknownExit);
        Assert.Contains($"{id} is not in the queue", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bounce_OnARunningServer_DeliversTheReportToALocalSender()
    {
        await using HeraldProcess herald = RemoteUnreachable();
        await herald.StartAsync();
        string id = await SendAsync(herald, "alice@herald.test", "bob@remote.example");

        (int exit, string output, string error) = await QueueAsync(herald, "bounce", id);

        Assert.True(exit == 0, error);
        Assert.Contains("is queued for <alice@herald.test>", output, StringComparison.Ordinal);
        string report = await File.ReadAllTextAsync(Assert.Single(await herald.WaitForDeliveryAsync("herald.test", "alice")));
        Assert.Contains("Return-Path: <>", report, StringComparison.Ordinal);
        Assert.Contains("Subject: Undelivered Mail Returned to Sender", report, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; bob@remote.example", report, StringComparison.Ordinal);
        Assert.Contains("Status: 5.0.0", report, StringComparison.Ordinal);
        Assert.Contains("Reporting-MTA: dns; mx.herald.test", report, StringComparison.Ordinal);
        using JsonDocument list = await ListAsync(herald);
        Assert.DoesNotContain(list.RootElement.EnumerateArray(), m => m.GetProperty("id").GetString() == id);
    }

    private static Task<CommandResult> QueueAsync(HeraldProcess herald, params string[] args) =>
        herald.RunCommandAsync(["queue", .. args, "--config", herald.ConfigPath]);

    private static async Task<string> SendAsync(HeraldProcess herald, string from, string to)
    {
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint)).Client;
        ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
        ReplyAssert.Is(await client.CommandAsync($"MAIL FROM:<{from}>"), 250);
        ReplyAssert.Is(await client.CommandAsync($"RCPT TO:<{to}>"), 250);
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
        SmtpReply queued = await client.CommandAsync("Subject: to be managed\r\n\r\nHello.\r\n.");
        ReplyAssert.Is(queued, 250, "2.0.0");
        await client.CommandAsync("QUIT");

        // "250 2.0.0 Ok: queued as <id>"
        return queued.Lines[^1].Trim().Split(' ')[^1];
    }

    private static async Task<JsonDocument> ListAsync(HeraldProcess herald)
    {
        (int exit, string output, string error) = await QueueAsync(herald, "list", "--json");
        Assert.True(exit == 0, error);
        return JsonDocument.Parse(output);
    }

    /// <summary>
    /// A server that relays for loopback clients to remote.example, whose only MX refuses connections:
    /// the message stays queued, deferred with 4.4.1, for the queue commands to work on.
    /// </summary>
    private static async Task<JsonDocument> ListUntilDeferredAsync(HeraldProcess herald)
    {
        for (int i = 0; ; i++)
        {
            JsonDocument list = await ListAsync(herald);
            bool deferred = list.RootElement.EnumerateArray().SelectMany(m => m.GetProperty("recipients").EnumerateArray())
                .Any(r => r.GetProperty("state").GetString() == "deferred");
            if (deferred || i == 100)
            {
                return list;
            }

            list.Dispose();
            await Task.Delay(200);
        }
    }

    private static HeraldProcess RemoteUnreachable()
    {
        HeraldProcess herald = HeraldProcess.Create(s =>
        {
            s["TrustedNetworks"] = new[] { "127.0.0.0/8" };
            s["Delivery"] = new Dictionary<string, object> { ["Port"] = HeraldProcess.NextPort() };
        });
        herald.Dns.AddMx("remote.example", 10, "mx.remote.example").AddA("mx.remote.example", "127.0.0.9");
        return herald;
    }
}
