using Herald.Protocol.Replies;
using Herald.TestSupport.Processes;
using Herald.TestSupport.Smtp;

namespace Herald.Integration.Tests.Cli;

public sealed class MaintenanceCommandTests
{
    [Fact]
    public async Task HeraldMaintenanceOn_FlipsARunningServerTo421Greetings_AndOffFlipsItBack()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        CommandResult on = await herald.RunCommandAsync("maintenance", "on", "--message", "disk swap", "--config", herald.ConfigPath);
        Assert.True(on.ExitCode == 0, on.ToString());
        await using (SmtpTestClient client = await SmtpTestClient.ConnectAsync(herald.Endpoint))
        {
            SmtpReply reply = await client.ReadReplyAsync();
            ReplyAssert.Is(reply, 421, "4.3.2");
            Assert.Equal("mx.herald.test Service not available - maintenance: disk swap", reply.Text);
        }

        CommandResult off = await herald.RunCommandAsync("maintenance", "off", "--config", herald.ConfigPath);
        Assert.True(off.ExitCode == 0, off.ToString());
        (SmtpTestClient again, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint);
        await using (again)
        {
            ReplyAssert.Is(greeting, 220);
        }
    }

    [Fact]
    public async Task MaintenanceWithoutARunningServer_SaysSo_WithExit69()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        CommandResult result = await herald.RunCommandAsync("maintenance", "on", "--config", herald.ConfigPath);
        Assert.Equal(69, result.ExitCode);
        Assert.Contains("no running server found", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeraldStop_DrainsAndTheServerExitsZero()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();
        CommandResult stop = await herald.RunCommandAsync("stop", "--config", herald.ConfigPath);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Equal(0, await herald.WaitForExitAsync());
    }
}
