// herald serve relays for a trusted client by MX, end to end: the real process, a loopback DNS server, a fake MX host.
using Herald.TestSupport.Dns;
using Herald.TestSupport.Smtp;

namespace Herald.Integration.Tests.Delivery;

public sealed class OutboundDeliveryTests
{
    [Fact]
    public async Task RelayedMessage_IsDeliveredToTheMxHost_AndLeavesTheQueue()
    {
        await using LoopbackDnsServer dns = LoopbackDnsServer.Start();
        dns.AddMx("remote.test", 10, "mx1.remote.test").AddA("mx1.remote.test", "127.0.0.2");
        await using ScriptedSmtpPeer mx = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript(), "mx1.remote.test");
        await using HeraldProcess herald = HeraldProcess.Create(s =>
        {
            s["TrustedNetworks"] = new[] { "127.0.0.0/8" };
            s["Delivery"] = new Dictionary<string, object> { ["Port"] = mx.EndPoint.Port };
            s["Dns"] = new Dictionary<string, object> { ["Servers"] = new[] { dns.ServerAddress } };
        });
        await herald.StartAsync();

        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint)).Client)
        {
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@herald.test>"), 250, "2.1.0");
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@remote.test>"), 250, "2.1.5");
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<carol@localhost>"), 250, "2.1.5");
            ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
            ReplyAssert.Is(await client.CommandAsync("Subject: out\r\n\r\n..dot line\r\n."), 250, "2.0.0");
            ReplyAssert.Is(await client.CommandAsync("QUIT"), 221);
        }

        PeerMessage message = await WaitForMessageAsync(mx, herald);
        Assert.StartsWith("MAIL FROM:<alice@herald.test> SIZE=", message.MailFrom, StringComparison.Ordinal);
        Assert.Equal(["RCPT TO:<bob@remote.test>"], message.Recipients);
        Assert.Contains("by mx.herald.test (Herald)", message.Content, StringComparison.Ordinal);
        Assert.EndsWith("Subject: out\r\n\r\n.dot line\r\n", message.Content, StringComparison.Ordinal);
        Assert.Equal("EHLO mx.herald.test", mx.Connections[0].Commands[0]);
        await herald.WaitForDeliveryAsync("localhost", "carol");
        await herald.WaitForEmptyQueueAsync();
    }

    [Fact]
    public async Task KillNineDuringTheRetrySchedule_TheRestartedServerDeliversIt()
    {
        await using LoopbackDnsServer dns = LoopbackDnsServer.Start();
        dns.AddMx("remote.test", 10, "mx1.remote.test").AddA("mx1.remote.test", "127.0.0.2");
        int rcpts = 0;
        await using ScriptedSmtpPeer mx = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript
        {
            Rcpt = (_, _) => Interlocked.Increment(ref rcpts) == 1 ? "450 4.2.0 <bob@remote.test>: Mailbox busy" : "250 2.1.5 Ok",
        }, "mx1.remote.test");
        await using HeraldProcess herald = HeraldProcess.Create(s =>
        {
            s["TrustedNetworks"] = new[] { "127.0.0.0/8" };
            s["Delivery"] = new Dictionary<string, object> { ["Port"] = mx.EndPoint.Port, ["MinBackoff"] = "00:00:03", ["MaxBackoff"] = "00:00:03" };
            s["Dns"] = new Dictionary<string, object> { ["Servers"] = new[] { dns.ServerAddress } };
        });
        await herald.StartAsync();

        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint)).Client)
        {
            ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@herald.test>"), 250, "2.1.0");
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@remote.test>"), 250, "2.1.5");
            ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
            ReplyAssert.Is(await client.CommandAsync("Subject: later\r\n\r\nbody\r\n."), 250, "2.0.0");
        }

        // The first attempt was refused for now; the process dies without a chance to clean up.
        DateTime giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Volatile.Read(ref rcpts) == 0)
        {
            Assert.True(DateTime.UtcNow < giveUp, "No attempt reached the MX host.\n" + herald.Output);
            await Task.Delay(50);
        }

        herald.Kill();
        await herald.StartAsync();

        PeerMessage message = await WaitForMessageAsync(mx, herald);
        Assert.Equal(["RCPT TO:<bob@remote.test>"], message.Recipients);
        await herald.WaitForEmptyQueueAsync();
        Assert.Single(mx.Messages);
    }

    [Theory]
    [InlineData("Tls", "sometimes", "Herald:Delivery:Tls")]
    [InlineData("MaxConnectionsPerHost", 0, "Herald:Delivery:MaxConnectionsPerHost")]
    [InlineData("SmartHost", "relay.example:0", "Herald:Delivery:SmartHost")]
    public async Task BadDeliveryValue_IsReportedWithItsKey(string key, object value, string expected)
    {
        await using HeraldProcess herald = HeraldProcess.Create(s => s["Delivery"] = new Dictionary<string, object> { [key] = value });

        Assert.Equal(78, await herald.RunToExitAsync("serve", "--config", herald.ConfigPath));
        Assert.Contains(expected, herald.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", herald.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadDnsValue_IsReportedWithItsKey()
    {
        await using HeraldProcess herald = HeraldProcess.Create(s => s["Dns"] = new Dictionary<string, object> { ["Timeout"] = "00:05:00" });

        Assert.Equal(78, await herald.RunToExitAsync("serve", "--config", herald.ConfigPath));
        Assert.Contains("Herald:Dns:Timeout", herald.Output, StringComparison.Ordinal);
    }

    private static async Task<PeerMessage> WaitForMessageAsync(ScriptedSmtpPeer mx, HeraldProcess herald)
    {
        DateTime giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < giveUp)
        {
            if (mx.Messages.Count > 0)
            {
                return mx.Messages[0];
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("Nothing reached the MX host.\n" + herald.Output);
    }
}
