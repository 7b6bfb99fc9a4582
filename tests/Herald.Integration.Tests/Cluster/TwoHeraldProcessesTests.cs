// Two real `herald serve` processes sharing one real redis-server: one cluster, as an operator would run it.
using System.Text.Json;
using Herald.Protocol.Replies;
using Herald.TestSupport.Dns;
using Herald.TestSupport.Processes;
using Herald.TestSupport.Redis;
using Herald.TestSupport.Smtp;

namespace Herald.Integration.Tests.Cluster;

public sealed class TwoHeraldProcessesTests : IClassFixture<RedisServerFixture>
{
    private readonly RedisServerFixture _redis;
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();

    public TwoHeraldProcessesTests(RedisServerFixture redis) => _redis = redis;

    [Fact]
    public async Task ClientRefusedForItsConnectionRateByOne_IsRefusedByTheOther()
    {
        await using HeraldProcess a = Member("a", s => s["RateLimits"] = new Dictionary<string, object> { ["ConnectionsPerMinute"] = 4 });
        await using HeraldProcess b = Member("b", s => s["RateLimits"] = new Dictionary<string, object> { ["ConnectionsPerMinute"] = 4 });
        await a.StartAsync();
        await b.StartAsync();

        // Each start-up check was one connection from 127.0.0.1; A takes the rest of the minute's allowance.
        SmtpReply reply = await GreetingAsync(a);
        for (int i = 0; i < 10 && reply.Code.Value == 220; i++)
        {
            reply = await GreetingAsync(a);
        }

        ReplyAssert.Is(reply, 421, "4.7.0");
        SmtpReply fromB = await GreetingAsync(b);
        ReplyAssert.Is(fromB, 421, "4.7.0");
        Assert.Equal("mx.herald.test Error: too many connections from 127.0.0.1", fromB.Text);
        Assert.Contains("shares rate limits, greylisting and destination state through Redis", b.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TripletGreylistedByOne_IsListedByTheOther_AndPassesThroughItAfterTheDelay()
    {
        await using HeraldProcess a = Member("a", s => s["Greylisting"] = new Dictionary<string, object> { ["Enabled"] = true, ["Delay"] = "00:00:01" });
        await using HeraldProcess b = Member("b", s => s["Greylisting"] = new Dictionary<string, object> { ["Enabled"] = true, ["Delay"] = "00:00:01" });
        await a.StartAsync();
        await b.StartAsync();

        ReplyAssert.Is(await RcptAsync(a, "bob@localhost"), 451, "4.7.1");

        CommandResult list = await b.RunCommandAsync("greylist", "list", "--json", "--config", b.ConfigPath);
        Assert.True(list.ExitCode == 0, list.ToString());
        JsonElement entry = Assert.Single(JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray());
        Assert.Equal(("alice@example.org", "bob@localhost"), (entry.GetProperty("sender").GetString(), entry.GetProperty("recipient").GetString()));

        // Let the one-second delay pass; B has never seen this triplet itself, so only the shared entry lets it through.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        ReplyAssert.Is(await RcptAsync(b, "bob@localhost"), 250, "2.1.5");
    }

    [Fact]
    public async Task HostThatAnswered421ToOne_IsBackingOffInTheOthersQueueDestinations()
    {
        await using LoopbackDnsServer dns = LoopbackDnsServer.Start();
        dns.AddMx("remote.test", 10, "mx1.remote.test").AddA("mx1.remote.test", "127.0.0.2");
        await using ScriptedSmtpPeer mx = ScriptedSmtpPeer.Start(
            "127.0.0.2", new PeerScript { Greeting = c => new PeerReply($"421 4.7.0 {c.HostName} Error: too many connections", PeerAction.Close) }, "mx1.remote.test");
        void Outbound(Dictionary<string, object> s)
        {
            s["TrustedNetworks"] = new[] { "127.0.0.0/8" };
            s["Delivery"] = new Dictionary<string, object> { ["Port"] = mx.EndPoint.Port };
            s["Dns"] = new Dictionary<string, object> { ["Servers"] = new[] { dns.ServerAddress } };
        }

        await using HeraldProcess a = Member("a", Outbound);
        await using HeraldProcess b = Member("b", Outbound);
        await a.StartAsync();
        await b.StartAsync();

        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(a.Endpoint)).Client)
        {
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@herald.test>"), 250);
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@remote.test>"), 250);
            ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
            ReplyAssert.Is(await client.CommandAsync("Subject: to a busy host\r\n\r\nhello\r\n."), 250);
        }

        // B never connected to the host, yet its view (through its control socket) is the cluster's.
        JsonElement host = await WaitForDestinationAsync(b, "mx1.remote.test");
        Assert.Equal("backing off", host.GetProperty("state").GetString());
        Assert.Equal(1, host.GetProperty("consecutivePushBacks").GetInt32());
        Assert.Equal(10, host.GetProperty("concurrencyLimit").GetInt32());
        Assert.StartsWith("421 4.7.0", host.GetProperty("lastReply").GetString(), StringComparison.Ordinal);
        Assert.Single(mx.Connections);
    }

    [Fact]
    public async Task RedisUnreachableAtStartUp_StartsAnyway_SaysSoOnce_AndRatesAnswer4_3_0()
    {
        int nobodyListens = BackgroundProcess.FreePort(System.Net.IPAddress.Loopback);
        await using HeraldProcess herald = HeraldProcess.Create(s =>
        {
            s["Cluster"] = new Dictionary<string, object> { ["Redis"] = $"127.0.0.1:{nobodyListens},connectTimeout=1000" };
            s["RateLimits"] = new Dictionary<string, object> { ["RecipientsPerMinute"] = 10 };
        });

        await herald.StartAsync();

        Assert.Contains($"cluster: Redis at 127.0.0.1:{nobodyListens} is unreachable at start-up; starting anyway", herald.Output, StringComparison.Ordinal);
        SmtpReply rcpt = await RcptAsync(herald, "bob@localhost");
        ReplyAssert.Is(rcpt, 451, "4.3.0");
        Assert.Equal("<bob@localhost>: Temporary lookup failure, try again later", rcpt.Text);
    }

    [Fact]
    public async Task BadRedisConfigurationString_StopsStartUp_WithExit78_NamingTheKey()
    {
        await using HeraldProcess herald = HeraldProcess.Create(s =>
            s["Cluster"] = new Dictionary<string, object> { ["Redis"] = "redis.example.org:6379,password=secret,bogus=1" });

        Assert.Equal(78, await herald.RunToExitAsync("serve", "--config", herald.ConfigPath));
        Assert.Contains("Herald:Cluster:Redis: not a StackExchange.Redis configuration string", herald.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", herald.Output, StringComparison.Ordinal);
    }

    private HeraldProcess Member(string name, Action<Dictionary<string, object>> configure) => HeraldProcess.Create(s =>
    {
        s["Cluster"] = new Dictionary<string, object> { ["Redis"] = _redis.Server.Configuration, ["KeyPrefix"] = _prefix, ["InstanceName"] = name };
        configure(s);
    });

    private static async Task<SmtpReply> GreetingAsync(HeraldProcess herald)
    {
        (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint);
        await using (client)
        {
            return greeting;
        }
    }

    private static async Task<SmtpReply> RcptAsync(HeraldProcess herald, string recipient)
    {
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint)).Client;
        ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250);
        return await client.CommandAsync($"RCPT TO:<{recipient}>");
    }

    /// <summary>Polls <c>herald queue destinations --json</c> until the host shows up; a bounded wait, not a timing.</summary>
    private static async Task<JsonElement> WaitForDestinationAsync(HeraldProcess herald, string name)
    {
        DateTime giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            CommandResult result = await herald.RunCommandAsync("queue", "destinations", "--json", "--config", herald.ConfigPath);
            Assert.True(result.ExitCode == 0, result.ToString());
            JsonElement destinations = JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("destinations");
            if (destinations.ValueKind == JsonValueKind.Array
                && destinations.EnumerateArray().FirstOrDefault(d => d.GetProperty("destination").GetString() == name) is { ValueKind: JsonValueKind.Object } host)
            {
                return host;
            }

            Assert.True(DateTime.UtcNow < giveUp, $"{name} never showed in the destinations:\n{result}\n{herald.Output}");
            await Task.Delay(200);
        }
    }
}
