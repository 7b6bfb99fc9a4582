// The local delivery service end to end, with a real FileQueueStore and real Maildirs in a temporary directory.
using System.Text;
using Herald.Delivery.Local;
using Herald.Delivery.Tests.Outbound;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.Queue.Reports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Delivery.Tests.Local;

public sealed class LocalDeliveryServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _root = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
    private readonly CapturingLogger<LocalDeliveryService> _logger = new();
    private readonly List<FileQueueStore> _stores = [];
    private readonly List<LocalDeliveryService> _services = [];
    private readonly RecordingReporter _reporter = new();

    private string QueueDirectory => Path.Combine(_root.Path, "queue");

    private string MailDirectory => Path.Combine(_root.Path, "mail");

    private LocalDeliveryOptions Options => new(_root.Path, ["localhost", "Example.ORG", "bücher.example"], "mx.example.org");

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 awaits IAsyncLifetime.DisposeAsync, not IAsyncDisposable: without this the services kept
    // running and the temporary directories stayed behind.
    public async Task DisposeAsync()
    {
        foreach (LocalDeliveryService service in _services)
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }

        foreach (FileQueueStore store in _stores)
        {
            store.Dispose();
        }

        _root.Dispose();
    }

    [Fact]
    public async Task TwoLocalAndOneRemoteRecipient_TwoMaildirFiles_RemoteStaysPending_MessageStaysQueued()
    {
        FileQueueStore store = await OpenStoreAsync();
        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);

        QueueId id = await CommitAsync(store, new Mailbox("alice", "example.com"),
            new Mailbox("bob", "localhost"), new Mailbox("carol", "elsewhere.example"), new Mailbox("Dave", "EXAMPLE.org"));
        await handled.WaitAsync(id);

        Assert.Single(MaildirFiles("localhost", "bob"));
        Assert.Single(MaildirFiles("example.org", "dave"));
        Assert.False(Directory.Exists(Path.Combine(MailDirectory, "elsewhere.example")));

        QueuedMessage message = (await store.ReadAsync(id, CancellationToken.None))!;
        Assert.NotNull(message);
        Assert.Equal(RecipientState.Delivered, message.Recipients[0].State);
        Assert.Equal(RecipientState.Pending, message.Recipients[1].State);
        Assert.Equal(RecipientState.Delivered, message.Recipients[2].State);
        Assert.Equal(1, message.Recipients[0].Attempts);
        Assert.StartsWith("250 2.0.0", message.Recipients[0].LastReply, StringComparison.Ordinal);
        Assert.Equal([id], await store.ListAsync(CancellationToken.None));

        string delivered = File.ReadAllText(MaildirFiles("localhost", "bob").Single());
        Assert.Equal("Return-Path: <alice@example.com>\r\nDelivered-To: bob@localhost\r\nSubject: test\r\n\r\nHello.\r\n", delivered);
        Assert.Contains(_logger.Lines, l => l.Level == LogLevel.Information && l.Message.Contains(id.Value, StringComparison.Ordinal)
            && l.Message.Contains("bob@localhost", StringComparison.Ordinal) && l.Message.Contains("status=sent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnlyLocalRecipients_DeliveredAndRemovedFromTheQueue()
    {
        FileQueueStore store = await OpenStoreAsync();
        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);

        QueueId id = await CommitAsync(store, null, new Mailbox("bob", "localhost"), new Mailbox("Bob", "LocalHost"));
        await handled.WaitAsync(id);

        Assert.Equal(2, MaildirFiles("localhost", "bob").Length);
        Assert.Empty(await store.ListAsync(CancellationToken.None));
        Assert.Null(await store.ReadAsync(id, CancellationToken.None));
        Assert.StartsWith("Return-Path: <>\r\n", File.ReadAllText(MaildirFiles("localhost", "bob")[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageCommittedBeforeTheServiceStarts_IsDeliveredAtStart()
    {
        QueueId id;
        using (FileQueueStore before = await FileQueueStore.OpenAsync(new QueueStoreOptions(QueueDirectory), _time, NullLogger<FileQueueStore>.Instance, CancellationToken.None))
        {
            id = await CommitAsync(before, new Mailbox("alice", "example.com"), new Mailbox("bob", "localhost"));
        }

        // A new store, as after a restart: its Arrivals is empty, so only the start-up listing finds the message.
        FileQueueStore store = await OpenStoreAsync();
        Assert.False(store.Arrivals.TryPeek(out _));
        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);
        await handled.WaitAsync(id);

        Assert.Single(MaildirFiles("localhost", "bob"));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task IoFailure_IsDeferredFiveMinutes_ThenRetriedByTheTimer()
    {
        FileQueueStore store = await OpenStoreAsync();
        var mailbox = new FailingFirstMailbox(new MaildirWriter(_root.Path, "mx.example.org", _time));
        LocalDeliveryService service = CreateService(store, mailbox);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);

        DateTimeOffset t0 = _time.GetUtcNow();
        QueueId id = await CommitAsync(store, new Mailbox("alice", "example.com"), new Mailbox("bob", "localhost"));
        await handled.WaitAsync(id);

        RecipientStatus deferred = (await store.ReadAsync(id, CancellationToken.None))!.Recipients[0];
        Assert.Equal(RecipientState.Deferred, deferred.State);
        Assert.Equal(t0.AddMinutes(5), deferred.NextAttempt);
        Assert.StartsWith("451 4.3.0", deferred.LastReply, StringComparison.Ordinal);
        Assert.Empty(MaildirFiles("localhost", "bob"));
        Assert.Contains(_logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(id.Value, StringComparison.Ordinal)
            && l.Message.Contains("status=deferred", StringComparison.Ordinal));

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(1, handled.Count(id));

        _time.Advance(TimeSpan.FromMinutes(1));
        await handled.WaitAsync(id, times: 2);

        Assert.Single(MaildirFiles("localhost", "bob"));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
        Assert.Equal(2, mailbox.Calls);
    }

    [Fact]
    public async Task HeldMessage_IsNotDelivered_UntilReleased()
    {
        QueueId id;
        using (FileQueueStore before = await FileQueueStore.OpenAsync(new QueueStoreOptions(QueueDirectory), _time, NullLogger<FileQueueStore>.Instance, CancellationToken.None))
        {
            id = await CommitAsync(before, null, new Mailbox("bob", "localhost"));
            await before.SetHoldAsync(id, true, CancellationToken.None);
        }

        FileQueueStore store = await OpenStoreAsync();
        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);
        await handled.WaitAsync(id);

        Assert.Empty(MaildirFiles("localhost", "bob"));
        Assert.Equal([id], await store.ListAsync(CancellationToken.None));

        await store.SetHoldAsync(id, false, CancellationToken.None);
        await handled.WaitAsync(id, times: 2);

        Assert.Single(MaildirFiles("localhost", "bob"));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task BarePostmaster_IsDeliveredToThisHostsPostmaster()
    {
        FileQueueStore store = await OpenStoreAsync();
        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);

        QueueId id = await CommitAsync(store, null, new Mailbox("Postmaster", string.Empty));
        await handled.WaitAsync(id);

        Assert.Single(MaildirFiles("mx.example.org", "postmaster"));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task NotifySuccess_IsReportedDelivered_WhileTheContentIsStillQueued_AndOnlyForThatRecipient()
    {
        FileQueueStore store = await OpenStoreAsync();
        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);

        Mailbox bob = new("bob", "localhost");
        QueueId id = await CommitAsync(
            store, new Mailbox("alice", "example.com"), [bob, new Mailbox("carol", "localhost"), new Mailbox("dave", "localhost")],
            [new RecipientParameters { Notify = DsnNotify.Success }, RecipientParameters.None, new RecipientParameters { Notify = DsnNotify.Never }]);
        await handled.WaitAsync(id);

        var call = Assert.Single(_reporter.Calls);
        Assert.Equal(id, call.Message.Id);
        RecipientReport report = Assert.Single(call.Recipients);
        Assert.Equal((bob, ReportAction.Delivered, "2.0.0"), (report.Recipient, report.Action, report.Status));
        Assert.Null(report.RemoteMta);
        Assert.Equal(3, Directory.GetDirectories(Path.Combine(MailDirectory, "localhost")).Length);
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SuccessReportThatFails_LeavesTheDeliveryRecorded()
    {
        FileQueueStore store = await OpenStoreAsync();
        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        _reporter.FailNext(1);
        await service.StartAsync(CancellationToken.None);

        QueueId id = await CommitAsync(store, null, [new Mailbox("bob", "localhost")], [new RecipientParameters { Notify = DsnNotify.Success }]);
        await handled.WaitAsync(id);

        Assert.Single(MaildirFiles("localhost", "bob"));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
        Assert.Contains(_logger.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("success report", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IdnaDomain_InEitherForm_IsLocal_AndFiledUnderItsConfiguredName()
    {
        FileQueueStore store = await OpenStoreAsync();
        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);

        QueueId aLabel = await CommitAsync(store, null, new Mailbox("anna", "xn--bcher-kva.example"));
        await handled.WaitAsync(aLabel);
        QueueId uLabel = await CommitAsync(store, null, new Mailbox("anna", "BÜCHER.example"));
        await handled.WaitAsync(uLabel);

        Assert.Equal(2, MaildirFiles("bücher.example", "anna").Length);
        Assert.Equal(["bücher.example"], Directory.GetDirectories(MailDirectory).Select(Path.GetFileName));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ManyMessagesAtOnce_AreEachDeliveredExactlyOnce()
    {
        FileQueueStore store = await OpenStoreAsync();
        var ids = new List<QueueId>();
        async Task CommitOneAsync() => ids.Add(await CommitAsync(store, null, new Mailbox("bob", "localhost"), new Mailbox("carol", "example.org")));

        // Half are listed at start, half announced while the first are being delivered: each is delivered once.
        for (int i = 0; i < 20; i++)
        {
            await CommitOneAsync();
        }

        LocalDeliveryService service = CreateService(store);
        var handled = new HandledWatcher(service);
        await service.StartAsync(CancellationToken.None);
        for (int i = 0; i < 20; i++)
        {
            await CommitOneAsync();
        }

        foreach (QueueId id in ids)
        {
            await handled.WaitAsync(id);
        }

        Assert.Equal(40, MaildirFiles("localhost", "bob").Length);
        Assert.Equal(40, MaildirFiles("example.org", "carol").Length);
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    private async Task<FileQueueStore> OpenStoreAsync()
    {
        FileQueueStore store = await FileQueueStore.OpenAsync(new QueueStoreOptions(QueueDirectory), _time, NullLogger<FileQueueStore>.Instance, CancellationToken.None);
        _stores.Add(store);
        return store;
    }

    private LocalDeliveryService CreateService(IQueueStore store, ILocalMailbox? mailbox = null)
    {
        LocalDeliveryService service = mailbox is null
            ? new LocalDeliveryService(store, Options, _reporter, _time, _logger)
            : new LocalDeliveryService(store, Options, mailbox, _reporter, _time, _logger);
        _services.Add(service);
        return service;
    }

    private static Task<QueueId> CommitAsync(IQueueStore store, Mailbox? sender, params Mailbox[] recipients) =>
        CommitAsync(store, sender, recipients, []);

    private static async Task<QueueId> CommitAsync(IQueueStore store, Mailbox? sender, Mailbox[] recipients, RecipientParameters[] parameters)
    {
        var envelope = new Envelope(sender, recipients, MailParameters.None, new ClientInfo("192.0.2.10", "client.example"), DateTimeOffset.UnixEpoch)
        {
            RecipientParameters = parameters,
        };
        await using IMessageWriter writer = await store.CreateAsync(envelope, CancellationToken.None);
        await writer.WriteAsync(Encoding.ASCII.GetBytes("Subject: test\r\n\r\nHello.\r\n"), CancellationToken.None);
        await writer.CommitAsync(CancellationToken.None);
        return writer.Id;
    }

    private string[] MaildirFiles(string domain, string localPart)
    {
        string folder = Path.Combine(MailDirectory, domain, localPart, "new");
        return Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
    }

    /// <summary>Fails its first delivery as a full disk would, then delivers for real.</summary>
    private sealed class FailingFirstMailbox(ILocalMailbox inner) : ILocalMailbox
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<string> DeliverAsync(Mailbox? sender, Mailbox recipient, Stream content, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1
                ? Task.FromException<string>(new IOException("No space left on device"))
                : inner.DeliverAsync(sender, recipient, content, cancellationToken);
    }
}
