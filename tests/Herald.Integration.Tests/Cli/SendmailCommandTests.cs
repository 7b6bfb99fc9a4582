// `herald sendmail` and `herald probe` as real processes next to a real `herald serve`.
using System.Globalization;
using Herald.TestSupport.Processes;

namespace Herald.Integration.Tests.Cli;

public sealed class SendmailCommandTests
{
    private const string Message =
        "From: Cron Daemon <root@herald.test>\nTo: user@herald.test\nBcc: hidden@herald.test\nSubject: nightly report\n\nAll jobs finished.\n";

    [Fact]
    public async Task DashT_WithARunningServer_IsSubmittedOverSmtp_AndDeliveredToTheMaildir()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        CommandResult result = await HeraldAsync(Message, "sendmail", "-t", "-i", "--config", herald.ConfigPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        string delivered = await File.ReadAllTextAsync(Assert.Single(await herald.WaitForDeliveryAsync("herald.test", "user")));
        Assert.Contains("Subject: nightly report", delivered, StringComparison.Ordinal);
        Assert.Contains("Received: by mx.herald.test (Herald, from user ", delivered, StringComparison.Ordinal);
        Assert.Contains("by mx.herald.test (Herald) with ESMTP id ", delivered, StringComparison.Ordinal);
        Assert.Matches(@"\nMessage-ID: <[^>]+@mx\.herald\.test>\r?\n", delivered);
        Assert.DoesNotContain("Bcc:", delivered, StringComparison.Ordinal);

        // The Bcc recipient gets the message too; only its own Delivered-To names it.
        string hidden = await File.ReadAllTextAsync(Assert.Single(await herald.WaitForDeliveryAsync("herald.test", "hidden")));
        Assert.Single(hidden.Split("\r\n\r\n")[0].Split("\r\n"), line => line.Contains("hidden@", StringComparison.Ordinal));
        Assert.Contains("Delivered-To: hidden@herald.test", hidden, StringComparison.Ordinal);

        // Nothing is left in the queue directory for a later start to deliver twice. The message leaves the
        // queue just after its Maildir file appears (the delivery is recorded, then the file removed): wait for it.
        await herald.WaitForEmptyQueueAsync();
    }

    [Fact]
    public async Task WithARunningServer_ItsPolicyApplies_ARelayRefusalExits69_AndNothingIsQueued()
    {
        // 127.0.0.1 is not in TrustedNetworks here, so the server refuses to relay for sendmail as for any client.
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        CommandResult result = await HeraldAsync("Subject: out\n\nbody\n", "sendmail", "far@example.com", "--config", herald.ConfigPath);

        Assert.Equal(69, result.ExitCode);
        Assert.Contains("<far@example.com>: 554 5.7.1", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(herald.DataDirectory, "queue", "active")));
    }

    [Fact]
    public async Task WithoutAServer_TheMessageWaitsInTheQueue_AndServeDeliversIt()
    {
        await using HeraldProcess herald = HeraldProcess.Create();

        CommandResult result = await HeraldAsync(Message, "sendmail", "-t", "--config", herald.ConfigPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(herald.DataDirectory, "queue", "active")));
        Assert.Empty(herald.Delivered("herald.test", "user"));

        await herald.StartAsync();
        string delivered = await File.ReadAllTextAsync(Assert.Single(await herald.WaitForDeliveryAsync("herald.test", "user")));
        Assert.Contains("Subject: nightly report", delivered, StringComparison.Ordinal);
        Assert.Contains("\r\nReceived: by mx.herald.test (Herald, from user ", delivered, StringComparison.Ordinal);
        Assert.Single(await herald.WaitForDeliveryAsync("herald.test", "hidden"));
    }

    [Fact]
    public async Task DashBs_WithARunningServer_SpeaksToItsListener()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();
        const string Session =
            "EHLO client.herald.test\r\nMAIL FROM:<root@herald.test>\r\nRCPT TO:<user@herald.test>\r\nDATA\r\nSubject: over -bs\r\n\r\nhello\r\n.\r\nQUIT\r\n";

        CommandResult result = await HeraldAsync(Session, "sendmail", "-bs", "--config", herald.ConfigPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("220 mx.herald.test ESMTP Herald", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("250 2.0.0 Ok: queued as ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("221 2.0.0 mx.herald.test Bye", result.StandardOutput, StringComparison.Ordinal);
        string delivered = await File.ReadAllTextAsync(Assert.Single(await herald.WaitForDeliveryAsync("herald.test", "user")));
        Assert.Contains("Subject: over -bs", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LinkedAsSendmail_ReadsEverySendmailArgument()
    {
        // The native launcher that `ln -s herald sendmail` links to; the build copies it beside herald.dll.
        string apphost = Path.Combine(AppContext.BaseDirectory, "herald");
        Assert.True(File.Exists(apphost), $"{apphost} is missing");

        await using HeraldProcess herald = HeraldProcess.Create();
        string link = Path.Combine(herald.Root, "sendmail");
        File.CreateSymbolicLink(link, apphost);

        CommandResult result = await ExternalCommand.RunAsync(link, ["-t", "-oi", "-C", herald.ConfigPath], Message);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(herald.DataDirectory, "queue", "active")));
    }

    [Fact]
    public async Task Probe_OfARunningServer_AcceptsTheLocalRecipient()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        CommandResult result = await HeraldAsync(null, "probe", $"127.0.0.1:{herald.Port.ToString(CultureInfo.InvariantCulture)}", "--rcpt", "user@herald.test", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("\"outcome\": \"accepts\"", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"title\": \"Service ready\"", result.StandardOutput, StringComparison.Ordinal);
    }

    private static Task<CommandResult> HeraldAsync(string? standardInput, params string[] args) =>
        ExternalCommand.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "herald.dll"), .. args], standardInput);
}
