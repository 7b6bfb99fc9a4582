using System.Text.Json;
using Herald.TestSupport.Processes;
using Herald.TestSupport.Smtp;

namespace Herald.Integration.Tests.Cli;

public sealed class GreylistCommandTests
{
    [Fact]
    public async Task GreylistListAllowPurge_WorkAgainstTheStateOfARunningServer()
    {
        await using HeraldProcess herald = HeraldProcess.Create(s => s["Greylisting"] = new Dictionary<string, object> { ["Enabled"] = true });
        await herald.StartAsync();

        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint)).Client)
        {
            await client.CommandAsync("EHLO client.example");
            await client.CommandAsync("MAIL FROM:<alice@example.org>");
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 451, "4.7.1");
        }

        CommandResult list = await herald.RunCommandAsync("greylist", "list", "--json", "--config", herald.ConfigPath);
        Assert.True(list.ExitCode == 0, list.ToString());
        JsonElement entry = Assert.Single(JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray());
        Assert.Equal("127.0.0.0/24", entry.GetProperty("network").GetString());
        Assert.Equal("alice@example.org", entry.GetProperty("sender").GetString());
        Assert.False(entry.GetProperty("passed").GetBoolean());

        CommandResult allow = await herald.RunCommandAsync("greylist", "allow", "127.0.0.1", "alice@example.org", "bob@localhost", "--config", herald.ConfigPath);
        Assert.True(allow.ExitCode == 0, allow.ToString());
        await using (SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(herald.Endpoint)).Client)
        {
            await client.CommandAsync("EHLO client.example");
            await client.CommandAsync("MAIL FROM:<alice@example.org>");
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250, "2.1.5");
        }

        CommandResult purge = await herald.RunCommandAsync("greylist", "purge", "--all", "--config", herald.ConfigPath);
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.Contains("removed 1 entry", purge.StandardOutput, StringComparison.Ordinal);

        CommandResult bad = await herald.RunCommandAsync("greylist", "allow", "not-an-ip", "a@b.example", "c@d.example", "--config", herald.ConfigPath);
        Assert.Equal(65, bad.ExitCode);
    }
}
