// `herald sendmail` without a running server: what lands in a real queue directory, and the sysexits codes.
using System.CommandLine;
using System.Text;
using Herald.Cli.Commands;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.TestSupport.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Cli.Tests.Sendmail;

public sealed class SendmailCommandTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("herald-sendmail-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task TakeRecipientsFromHeaders_RemovesBcc_AndKeepsItsRecipient()
    {
        Run result = await SendmailAsync(
            "From: Alice <alice@herald.test>\nTo: Bob <bob@herald.test>\nCc: carol@example.org, \"Dave D.\" <dave@example.org>\nBcc: eve@herald.test\nSubject: plans\n\nSee you.\n",
            "-t", "-i");

        Assert.Equal(0, result.ExitCode);
        QueuedMessage message = Assert.Single(await QueuedAsync());
        Assert.Equal(["bob@herald.test", "carol@example.org", "dave@example.org", "eve@herald.test"], message.Envelope.Recipients.Select(r => r.ToString()));
        string content = await ContentAsync(message);
        Assert.DoesNotContain("Bcc", content, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("eve@", content, StringComparison.Ordinal);
        Assert.Contains("\r\nTo: Bob <bob@herald.test>\r\n", content, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nSee you.\r\n", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TakeRecipients_AddsThoseOfTheCommandLine()
    {
        Run result = await SendmailAsync("To: bob@herald.test\n\nhi\n", "-t", "carol@herald.test");

        Assert.Equal(0, result.ExitCode);
        QueuedMessage message = Assert.Single(await QueuedAsync());
        Assert.Equal(["carol@herald.test", "bob@herald.test"], message.Envelope.Recipients.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData("-fsender@example.org")]
    [InlineData("-f", "sender@example.org")]
    [InlineData("-f", "<sender@example.org>")]
    public async Task Sender_FromDashF(params string[] option)
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n", [.. option, "bob@herald.test"]);

        Assert.Equal(0, result.ExitCode);
        QueuedMessage message = Assert.Single(await QueuedAsync());
        Assert.Equal("sender@example.org", message.Envelope.Sender?.ToString());
        Assert.Contains("\r\nFrom: sender@example.org\r\n", await ContentAsync(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NullSender_FromDashFAngleBrackets()
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n", "-f", "<>", "bob@herald.test");

        Assert.Equal(0, result.ExitCode);
        Assert.Null(Assert.Single(await QueuedAsync()).Envelope.Sender);
    }

    [Fact]
    public async Task WithoutDashF_TheSenderIsTheUserAtTheLocalDomain()
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n", "bob@herald.test");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("tester@herald.test", Assert.Single(await QueuedAsync()).Envelope.Sender?.ToString());
    }

    [Fact]
    public async Task FullName_GoesIntoTheAddedFromHeader_EncodedWhenNotAscii()
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n", "-F", "Jörg Müller", "-f", "joerg@herald.test", "bob@herald.test");

        Assert.Equal(0, result.ExitCode);
        string content = await ContentAsync(Assert.Single(await QueuedAsync()));
        Assert.Contains("\r\nFrom: =?utf-8?b?SsO2cmcgTcO8bGxlcg==?= <joerg@herald.test>\r\n", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExistingFromDateAndMessageId_AreKept()
    {
        const string Header = "From: Alice <alice@herald.test>\nDate: Mon, 2 Nov 2026 10:00:00 +0100\nMessage-ID: <kept@herald.test>\n";
        Run result = await SendmailAsync(Header + "\nbody\n", "-F", "Ignored Name", "bob@herald.test");

        Assert.Equal(0, result.ExitCode);
        string content = await ContentAsync(Assert.Single(await QueuedAsync()));
        Assert.Contains("\r\nFrom: Alice <alice@herald.test>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\nMessage-ID: <kept@herald.test>\r\n\r\n", content, StringComparison.Ordinal);
        Assert.Single(content.Split("\r\n"), l => l.StartsWith("From:", StringComparison.Ordinal));
        Assert.DoesNotContain("Ignored Name", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingHeaders_AreAdded_WithAReceivedHeaderInTheLocalStyle()
    {
        Run result = await SendmailAsync("Subject: cron output\n\nall is well\n", "root");

        Assert.Equal(0, result.ExitCode);
        QueuedMessage message = Assert.Single(await QueuedAsync());
        Assert.Equal("root@herald.test", message.Envelope.Recipients[0].ToString());
        string content = await ContentAsync(message);
        Assert.StartsWith($"Received: by mx.herald.test (Herald, from user tester)\r\n\tid {message.Id}\r\n\tfor <root@herald.test>; ", content, StringComparison.Ordinal);
        Assert.Matches(@"\r\nDate: \w{3}, \d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n", content);
        Assert.Matches(@"\r\nMessage-ID: <[^@\s]+@mx\.herald\.test>\r\n", content);
        Assert.Contains("\r\nFrom: tester@herald.test\r\n", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashI_ALoneDotDoesNotEndTheMessage()
    {
        Run result = await SendmailAsync("Subject: dots\n\nbefore\n.\nafter\n", "-i", "bob@herald.test");

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("\r\nbefore\r\n.\r\nafter\r\n", await ContentAsync(Assert.Single(await QueuedAsync())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutDashI_ALoneDotEndsTheMessage()
    {
        Run result = await SendmailAsync("Subject: dots\n\nbefore\n.\nafter\n", "bob@herald.test");

        Assert.Equal(0, result.ExitCode);
        string content = await ContentAsync(Assert.Single(await QueuedAsync()));
        Assert.EndsWith("\r\nbefore\r\n", content, StringComparison.Ordinal);
        Assert.DoesNotContain("after", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BareLineEnds_BecomeCrLf()
    {
        Run result = await SendmailAsync("Subject: ends\r\n\r\none\rtwo\nthree\r\n", "bob@herald.test");

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("\r\n\r\none\r\ntwo\r\nthree\r\n", await ContentAsync(Assert.Single(await QueuedAsync())), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad@@example.org")]
    [InlineData("user@exa mple.org")]
    [InlineData("<unterminated@example.org")]
    [InlineData("bob@herald.test, @example.org")]
    public async Task MalformedRecipient_Exits65_NothingQueued(string recipient)
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n", "bob@herald.test", recipient);

        Assert.Equal(65, result.ExitCode);
        Assert.Contains("is not a valid address; nothing was sent", result.Error, StringComparison.Ordinal);
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task MalformedHeaderRecipient_WithDashT_Exits65_NothingQueued()
    {
        Run result = await SendmailAsync("To: bob@herald.test, user@exa mple.org\n\nbody\n", "-t");

        Assert.Equal(65, result.ExitCode);
        Assert.StartsWith("herald sendmail: To:", result.Error, StringComparison.Ordinal);
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task MalformedSender_Exits65_NothingQueued()
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n", "-f", "not an address", "bob@herald.test");

        Assert.Equal(65, result.ExitCode);
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task NoRecipients_Exits64_NothingQueued()
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("no recipients", result.Error, StringComparison.Ordinal);
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task DashT_WithoutRecipientHeaders_Exits64()
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n", "-t");

        Assert.Equal(64, result.ExitCode);
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task UnknownOption_Exits64()
    {
        Run result = await SendmailAsync("Subject: x\n\nbody\n", "-Z", "bob@herald.test");

        Assert.Equal(64, result.ExitCode);
        Assert.Equal("herald sendmail: unknown option -Z\n", result.Error);
    }

    [Fact]
    public async Task QueueCannotBeWritten_Exits75()
    {
        // The data directory's queue/ is a file, so no queue folder can be made there.
        await File.WriteAllTextAsync(Path.Combine(_dataDirectory, "queue"), "not a folder");

        Run result = await SendmailAsync("Subject: x\n\nbody\n", "bob@herald.test");

        Assert.Equal(75, result.ExitCode);
        Assert.Contains("cannot write the queue", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmtpOnStandardStreams_RunsAHeraldSession_AndQueuesWhatItAccepts()
    {
        await using LoopbackDnsServer dns = LoopbackDnsServer.Start();
        dns.AddMx("example.test", 10, "mx.example.test").AddA("mx.example.test", "127.0.0.2");
        const string Session =
            "EHLO client.herald.test\r\nMAIL FROM:<alice@herald.test>\r\nRCPT TO:<bob@herald.test>\r\nRCPT TO:<far@example.test>\r\n"
            + "DATA\r\nSubject: over stdio\r\n\r\nhello\r\n.\r\nQUIT\r\n";

        Run result = await SendmailAsync(Session, ["-bs", "--set", "Dns:Servers:0=" + dns.ServerAddress]);

        Assert.Equal(0, result.ExitCode);
        string[] replies = result.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("220 mx.herald.test ESMTP Herald", replies[0]);
        Assert.Contains("250 2.1.5 Ok", replies);

        // A local client may relay: the session treats it as trusted.
        Assert.Equal(2, replies.Count(r => r == "250 2.1.5 Ok"));
        Assert.Contains(replies, r => r.StartsWith("250 2.0.0 Ok: queued as ", StringComparison.Ordinal));
        Assert.Equal("221 2.0.0 mx.herald.test Bye", replies[^1]);

        QueuedMessage message = Assert.Single(await QueuedAsync());
        Assert.Equal(["bob@herald.test", "far@example.test"], message.Envelope.Recipients.Select(r => r.ToString()));
        Assert.Contains("Subject: over stdio\r\n", await ContentAsync(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewAliases_DoesNothing_Exit0()
    {
        Run result = await SendmailAsync(string.Empty, "-bi");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(await QueuedAsync());
    }

    private async Task<Run> SendmailAsync(string input, params string[] args)
    {
        using var stdin = new MemoryStream(Encoding.UTF8.GetBytes(input));
        using var stdout = new MemoryStream();
        var error = new StringWriter { NewLine = "\n" };
        var environment = new Dictionary<string, string> { ["USER"] = "tester" };
        var root = new RootCommand("herald");
        root.Subcommands.Add(SendmailCommand.Create(stdin, stdout, name => environment.GetValueOrDefault(name), TimeProvider.System));
        string[] settings =
        [
            "--set", "DataDirectory=" + _dataDirectory,
            "--set", "Hostname=mx.herald.test",
            "--set", "LocalDomains:0=herald.test",
        ];
        int exitCode = await root.Parse(["sendmail", .. settings, .. args]).InvokeAsync(new InvocationConfiguration { Error = error, Output = new StringWriter() });
        return new Run(exitCode, Encoding.UTF8.GetString(stdout.ToArray()), error.ToString());
    }

    private async Task<IReadOnlyList<QueuedMessage>> QueuedAsync()
    {
        string queueDirectory = Path.Combine(_dataDirectory, "queue");
        if (!Directory.Exists(Path.Combine(queueDirectory, "active")))
        {
            return [];
        }

        using FileQueueStore store = await FileQueueStore.OpenAsync(new QueueStoreOptions(queueDirectory), TimeProvider.System, NullLogger<FileQueueStore>.Instance, CancellationToken.None);
        var messages = new List<QueuedMessage>();
        foreach (QueueId id in await store.ListAsync(CancellationToken.None))
        {
            messages.Add((await store.ReadAsync(id, CancellationToken.None))!);
        }

        return messages;
    }

    private async Task<string> ContentAsync(QueuedMessage message)
    {
        using FileQueueStore store = await FileQueueStore.OpenAsync(new QueueStoreOptions(Path.Combine(_dataDirectory, "queue")), TimeProvider.System, NullLogger<FileQueueStore>.Instance, CancellationToken.None);
        await using Stream content = store.OpenContent(message.Id);
        using var reader = new StreamReader(content, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private sealed record Run(int ExitCode, string Output, string Error);
}
