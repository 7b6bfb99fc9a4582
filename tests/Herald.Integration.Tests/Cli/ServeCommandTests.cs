using System.Net;
using System.Net.Sockets;
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Integration.Tests.Cli;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task InvalidConfiguration_StopsStartUp_WithOneMessageNamingTheKey()
    {
        await using HeraldProcess herald = HeraldProcess.Create(s =>
        {
            s["Limits"] = new Dictionary<string, object> { ["MaxMessageSize"] = "lots" };
            s["TrustedNetworks"] = new[] { "10.0.0.0/99" };
        });
        int exit = await herald.RunToExitAsync("serve", "--config", herald.ConfigPath);
        Assert.Equal(78, exit);
        Assert.Contains("Herald:Limits:MaxMessageSize", herald.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", herald.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadValue_IsReportedWithItsKey()
    {
        await using HeraldProcess herald = HeraldProcess.Create(s => s["TrustedNetworks"] = new[] { "10.0.0.0/99" });
        Assert.Equal(78, await herald.RunToExitAsync("serve", "--config", herald.ConfigPath));
        Assert.Contains("Herald:TrustedNetworks: '10.0.0.0/99'", herald.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortInUse_IsAClearError_NotAStackTrace()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        await using HeraldProcess herald = HeraldProcess.Create(s =>
            s["Listeners"] = new[] { new Dictionary<string, object> { ["Name"] = "smtp", ["Endpoint"] = $"127.0.0.1:{port}" } });
        int exit = await herald.RunToExitAsync("serve", "--config", herald.ConfigPath);
        Assert.Equal(71, exit);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}: the address is already in use", herald.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", herald.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondServerOnTheSameSmtpPort_Exits71_AndTheFirstKeepsEveryConnection()
    {
        await using HeraldProcess first = HeraldProcess.Create();
        await first.StartAsync();
        await using HeraldProcess second = HeraldProcess.Create(s => s["Listeners"] = first.Settings["Listeners"]);

        Assert.Equal(71, await second.RunToExitAsync("serve", "--config", second.ConfigPath));
        Assert.Contains($"cannot listen on 127.0.0.1:{first.Port}: the address is already in use", second.Output, StringComparison.Ordinal);
        for (int i = 0; i < 20; i++)
        {
            (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(first.Endpoint);
            await using (client)
            {
                ReplyAssert.Is(greeting, 220);
            }
        }
    }

    [Fact]
    public async Task Sigterm_TellsIdleClients421_AndExitsZero()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint)).Client;
        ReplyAssert.Is(await client.CommandAsync("EHLO client.example"), 250);

        Task<int> exit = herald.TerminateAsync();
        ReplyAssert.Is(await client.ReadReplyAsync(), 421, "4.3.2");
        Assert.True(await client.WaitForCloseAsync());
        Assert.Equal(0, await exit);
    }

    [Fact]
    public async Task MissingConfigFile_IsAClearError()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        Assert.Equal(78, await herald.RunToExitAsync("serve", "--config", "/nonexistent/herald.json"));
        Assert.Contains("does not exist", herald.Output, StringComparison.Ordinal);
    }
}
