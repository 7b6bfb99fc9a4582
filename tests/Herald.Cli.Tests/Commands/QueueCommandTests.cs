// `herald queue` on a stopped server: a real FileQueueStore in a temporary data directory, opened by the command itself.
using System.Text.Json;
using Herald.Cli.Commands;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.Queue.Operations;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Herald.Cli.Tests.Commands;

public sealed class QueueCommandTests : IDisposable
{
    private static readonly DateTimeOffset Arrived = new(2030, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private static readonly DateTimeOffset Tried = new(2030, 5, 6, 7, 13, 9, TimeSpan.Zero);
    private static readonly DateTimeOffset Later = new(2099, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Greylisted = "451 4.7.1 <bob@example.org>: Recipient address rejected: Greylisted";

    private readonly string _data = Directory.CreateTempSubdirectory("herald-cli-queue-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task List_ShowsEveryMessage_WithRecipientStates_AndMarksHeldOnes()
    {
        QueueId first = await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org"), new Mailbox("carol", "example.net")], deferFirst: true);
        QueueId second = await QueueAsync(null, [new Mailbox("dave", "example.org")], hold: true);

        CliResult result = Run("list");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Error);
        ScreenRules.AssertReadable(result.Output);
        Assert.Contains(first.Value, result.Output, StringComparison.Ordinal);
        Assert.Contains(second.Value, result.Output, StringComparison.Ordinal);
        Assert.Contains("bob@example.org", result.Output, StringComparison.Ordinal);
        Assert.Contains("deferred", result.Output, StringComparison.Ordinal);
        Assert.Contains("carol@example.net", result.Output, StringComparison.Ordinal);
        Assert.Contains("pending", result.Output, StringComparison.Ordinal);
        Assert.Contains("on hold", result.Output, StringComparison.Ordinal);
        Assert.Contains("<>", result.Output, StringComparison.Ordinal);
        Assert.Contains("2030-05-06 07:08:09Z", result.Output, StringComparison.Ordinal);
        Assert.Contains("2099-01-01 00:00:00Z", result.Output, StringComparison.Ordinal);
        Assert.Contains("2 message(s), 1 on hold, 3 recipient(s) to deliver.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_Json_HasTheSameFacts()
    {
        QueueId id = await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org")], deferFirst: true);

        CliResult result = Run("list", "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement message = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(id.Value, message.GetProperty("id").GetString());
        Assert.Equal("alice@example.com", message.GetProperty("sender").GetString());
        Assert.Equal(Content.Length, message.GetProperty("size").GetInt64());
        Assert.False(message.GetProperty("held").GetBoolean());
        Assert.Equal(Arrived, message.GetProperty("arrivedAt").GetDateTimeOffset());
        Assert.Equal(Later, message.GetProperty("nextAttempt").GetDateTimeOffset());
        Assert.Equal(Greylisted, message.GetProperty("lastReply").GetString());
        JsonElement recipient = Assert.Single(message.GetProperty("recipients").EnumerateArray());
        Assert.Equal("bob@example.org", recipient.GetProperty("address").GetString());
        Assert.Equal("deferred", recipient.GetProperty("state").GetString());
        Assert.Equal(1, recipient.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public void List_NoQueueYet_IsEmpty_AndMakesNoFolders()
    {
        CliResult result = Run("list");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("The queue is empty.\n", result.Output);
        Assert.False(Directory.Exists(Path.Combine(_data, "queue")));
    }

    [Fact]
    public async Task Show_GivesEnvelopeRecipientsAndTheFirstHeaderLines()
    {
        QueueId id = await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org")], deferFirst: true);

        CliResult result = Run("show", id.Value);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(id.Value, result.Output, StringComparison.Ordinal);
        Assert.Contains("alice@example.com", result.Output, StringComparison.Ordinal);
        Assert.Contains("192.0.2.10 (EHLO client.example)", result.Output, StringComparison.Ordinal);
        Assert.Contains("BODY=8BITMIME", result.Output, StringComparison.Ordinal);
        Assert.Contains("deferred", result.Output, StringComparison.Ordinal);
        Assert.Contains("  Subject: Quarterly report\n", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("The body", result.Output, StringComparison.Ordinal);

        using JsonDocument json = JsonDocument.Parse(Run("show", id.Value, "--json").Output);
        Assert.Equal(["From: Alice <alice@example.com>", "To: Bob <bob@example.org>", "Subject: Quarterly report"],
            json.RootElement.GetProperty("headers").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(id.Value, json.RootElement.GetProperty("message").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Flush_SetsTheNextAttemptOfDeferredRecipientsToNow_WithoutCountingAnAttempt()
    {
        QueueId id = await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org")], deferFirst: true);

        CliResult result = Run("flush");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Flushed 1 message(s): 1 deferred recipient(s) to be tried now.", result.Output, StringComparison.Ordinal);
        RecipientStatus bob = Assert.Single((await ReadAsync(id))!.Recipients);
        Assert.Equal(RecipientState.Pending, bob.State);
        Assert.True(bob.NextAttempt < Later);
        Assert.Equal(1, bob.Attempts);
        Assert.Equal(Greylisted, bob.LastReply);
    }

    [Fact]
    public async Task HoldAndRelease_MoveTheMessage()
    {
        QueueId id = await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org")]);

        Assert.Equal(0, Run("hold", id.Value).ExitCode);
        Assert.True((await ReadAsync(id))!.OnHold);

        CliResult released = Run("release", id.Value, "--json");
        Assert.Equal(0, released.ExitCode);
        using JsonDocument json = JsonDocument.Parse(released.Output);
        Assert.Equal("released", json.RootElement.GetProperty("action").GetString());
        Assert.False((await ReadAsync(id))!.OnHold);
    }

    [Fact]
    public async Task Delete_RemovesTheMessage()
    {
        QueueId id = await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org")]);

        CliResult result = Run("delete", id.Value);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{id} deleted from the queue (the sender is not told).\n", result.Output);
        Assert.Null(await ReadAsync(id));
    }

    [Fact]
    public async Task Bounce_QueuesAReportToTheSender_AndTheMessageLeaves()
    {
        QueueId id = await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org"), new Mailbox("carol", "example.net")], deferFirst: true);

        CliResult result = Run("bounce", id.Value);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("gave up on bob@example.org, carol@example.net", result.Output, StringComparison.Ordinal);
        Assert.Contains("is queued for <alice@example.com>", result.Output, StringComparison.Ordinal);
        using FileQueueStore store = await OpenAsync();
        QueueId report = Assert.Single(await store.ListAsync(CancellationToken.None));
        Assert.NotEqual(id, report);
        QueuedMessage dsn = (await store.ReadAsync(report, CancellationToken.None))!;
        Assert.Null(dsn.Envelope.Sender);
        Assert.Equal(new Mailbox("alice", "example.com"), Assert.Single(dsn.Envelope.Recipients));
        await using Stream content = store.OpenContent(report);
        string text = await new StreamReader(content).ReadToEndAsync();
        Assert.Contains("Status: 5.0.0", text, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; carol@example.net", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bounce_HonoursNotify_NoReportForASenderWhoAskedForNone()
    {
        QueueId id = await QueueAsync(
            new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org")], recipientParameters: [new RecipientParameters { Notify = DsnNotify.Never }]);

        CliResult result = Run("bounce", id.Value);

        Assert.Equal(0, result.ExitCode);
        // The line is wrapped to the console's width.
        Assert.Contains("no report, as the sender asked for none (NOTIFY without FAILURE)", string.Join(' ', result.Output.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        using FileQueueStore store = await OpenAsync();
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Show_GivesTheDsnParameters_WhenTheSenderGaveThem()
    {
        QueueId id = await QueueAsync(
            new Mailbox("alice", "example.com"),
            [new Mailbox("bob", "example.org"), new Mailbox("carol", "example.net")],
            parameters: new MailParameters { Return = DsnReturn.Full, EnvelopeId = "QQ314159" },
            recipientParameters: [new RecipientParameters { Notify = DsnNotify.Success | DsnNotify.Failure, OriginalRecipient = new OriginalRecipient("rfc822", "bob@example.org") }]);

        CliResult result = Run("show", id.Value);

        Assert.Contains("RET=FULL, ENVID=QQ314159", result.Output, StringComparison.Ordinal);
        Assert.Contains("NOTIFY=SUCCESS,FAILURE, ORCPT=rfc822;bob@example.org", result.Output, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(Run("show", id.Value, "--json").Output);
        Assert.Equal("FULL", json.RootElement.GetProperty("return").GetString());
        JsonElement[] recipients = [.. json.RootElement.GetProperty("message").GetProperty("recipients").EnumerateArray()];
        Assert.Equal("SUCCESS,FAILURE", recipients[0].GetProperty("notify").GetString());
        Assert.Equal(JsonValueKind.Null, recipients[1].GetProperty("notify").ValueKind);
    }

    [Fact]
    public async Task Bounce_OfABounce_QueuesNothing()
    {
        QueueId id = await QueueAsync(null, [new Mailbox("bob", "example.org")]);

        CliResult result = Run("bounce", id.Value);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("no report, as the sender is <>", result.Output, StringComparison.Ordinal);
        using FileQueueStore store = await OpenAsync();
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public void Destinations_StoppedServer_HasNoOutboundState()
    {
        CliResult result = Run("destinations");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("No outbound state: the server is not running.\n", result.Output);

        using JsonDocument json = JsonDocument.Parse(Run("destinations", "--json").Output);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("destinations").ValueKind);
    }

    [Theory]
    [InlineData("show")]
    [InlineData("delete")]
    [InlineData("hold")]
    [InlineData("bounce")]
    [InlineData("flush")]
    public async Task MalformedId_IsAUsageError(string command)
    {
        await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org")]);
        CliResult result = Run(command, "not-an-id");
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("'not-an-id' is not a queue id", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Theory]
    [InlineData("show")]
    [InlineData("delete")]
    [InlineData("release")]
    [InlineData("bounce")]
    [InlineData("flush")]
    public async Task UnknownId_IsADataError(string command)
    {
        await QueueAsync(new Mailbox("alice", "example.com"), [new Mailbox("bob", "example.org")]);
        CliResult result = Run(command, "01JZ0000000000AB");
        Assert.Equal(65, result.ExitCode);
        Assert.Contains("01JZ0000000000AB is not in the queue", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_List_OfViews_ShowsTheLastReply()
    {
        IAnsiConsole console = CliRun.NewConsole(out StringWriter output);
        MessageView view = new(
            "01JZ0000000000AB", Arrived, "alice@example.com", 1234, Held: false,
            [new RecipientView("bob@example.org", "deferred", 2, Tried, Later, Greylisted)], Later, Greylisted);

        QueueScreen.List(console, [view], QueueMode.Running);

        string screen = output.ToString();
        ScreenRules.AssertReadable(screen);
        Assert.Contains("Greylisted", screen, StringComparison.Ordinal);
        Assert.Contains("1234 octets", screen, StringComparison.Ordinal);
        Assert.Contains("01JZ0000000000AB", screen, StringComparison.Ordinal);
    }

    private const string Content =
        "From: Alice <alice@example.com>\r\n" +
        "To: Bob <bob@example.org>\r\n" +
        "Subject: Quarterly report\r\n" +
        "\r\n" +
        "The body is not shown.\r\n";

    private CliResult Run(params string[] args) => CliRun.Run(["queue", .. args, "--set", $"DataDirectory={_data}"]);

    private Task<FileQueueStore> OpenAsync() =>
        FileQueueStore.OpenAsync(new QueueStoreOptions(Path.Combine(_data, "queue")), TimeProvider.System, NullLogger<FileQueueStore>.Instance, CancellationToken.None).AsTask();

    private async Task<QueuedMessage?> ReadAsync(QueueId id)
    {
        using FileQueueStore store = await OpenAsync();
        return await store.ReadAsync(id, CancellationToken.None);
    }

    private async Task<QueueId> QueueAsync(
        Mailbox? sender,
        Mailbox[] recipients,
        bool deferFirst = false,
        bool hold = false,
        MailParameters? parameters = null,
        RecipientParameters[]? recipientParameters = null)
    {
        using FileQueueStore store = await OpenAsync();
        var envelope = new Envelope(
            sender, recipients, (parameters ?? MailParameters.None) with { Body = BodyType.EightBitMime }, new ClientInfo("192.0.2.10", "client.example"), Arrived)
        {
            RecipientParameters = recipientParameters ?? [],
        };
        QueueId id;
        await using (IMessageWriter writer = await store.CreateAsync(envelope, CancellationToken.None))
        {
            await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(Content), CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
            id = writer.Id;
        }

        if (deferFirst)
        {
            await store.RecordAsync(id, [new RecipientOutcome(0, RecipientState.Deferred, Tried, Later, Greylisted, "mx.example.org")], CancellationToken.None);
        }

        if (hold)
        {
            await store.SetHoldAsync(id, true, CancellationToken.None);
        }

        return id;
    }
}
