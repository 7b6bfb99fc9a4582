using Herald.TestSupport.Processes;

namespace Herald.Integration.Tests.Clients;

/// <summary>A submission listener as a mail client meets it: swaks with STARTTLS and AUTH PLAIN.</summary>
public sealed class SubmissionTests
{
    [Fact]
    public async Task SwaksWithTlsAndAuth_Relays_WithoutAuthOrBeforeTls_IsRefused()
    {
        await using HeraldProcess herald = HeraldProcess.Create(s => s["Listeners"] = new[]
        {
            new Dictionary<string, object> { ["Name"] = "submission", ["Endpoint"] = $"127.0.0.1:{HeraldProcess.NextPort()}", ["RequireAuth"] = true },
        });
        CommandResult add = await herald.RunCommandWithInputAsync("u-password\n", "user", "add", "u", "--stdin", "--config", herald.ConfigPath);
        Assert.True(add.ExitCode == 0, add.ToString());
        await herald.StartAsync();
        string server = $"127.0.0.1:{herald.Port}";

        CommandResult relayed = await ExternalCommand.RunAsync("swaks",
            ["--server", server, "--tls", "--auth", "PLAIN", "--au", "u", "--ap", "u-password", "--from", "u@localhost", "--to", "someone@remote.test"]);
        Assert.True(relayed.ExitCode == 0, relayed.ToString());
        Assert.Contains("<~  250 2.0.0 Ok: queued as ", relayed.StandardOutput, StringComparison.Ordinal);

        CommandResult noAuth = await ExternalCommand.RunAsync("swaks", ["--server", server, "--tls", "--from", "u@localhost", "--to", "someone@remote.test"]);
        Assert.NotEqual(0, noAuth.ExitCode);
        Assert.Contains("<~* 530 5.7.0 Authentication required", noAuth.StandardOutput, StringComparison.Ordinal);

        CommandResult beforeTls = await ExternalCommand.RunAsync("swaks",
            ["--server", server, "--auth", "PLAIN", "--au", "u", "--ap", "u-password", "--auth-hide-password", "--from", "u@localhost", "--to", "someone@remote.test"]);
        Assert.NotEqual(0, beforeTls.ExitCode);

        CommandResult wrong = await ExternalCommand.RunAsync("swaks",
            ["--server", server, "--tls", "--auth", "PLAIN", "--au", "u", "--ap", "nope", "--from", "u@localhost", "--to", "someone@remote.test"]);
        Assert.Contains("535 5.7.8", wrong.StandardOutput, StringComparison.Ordinal);
    }
}
