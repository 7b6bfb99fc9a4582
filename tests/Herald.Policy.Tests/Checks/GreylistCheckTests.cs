// Greylisting at RCPT against the SQLite store: 451 4.7.1 with N seconds, passes, restarts, grouping, allow-lists.
using Herald.Policy.Checks;
using Herald.Policy.Greylisting;
using Herald.Protocol.Addresses;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Checks;

public sealed class GreylistCheckTests : IDisposable
{
    private static readonly Mailbox Sender = Clients.Mailbox("alice@example.org");
    private static readonly Mailbox Recipient = Clients.Mailbox("bob@example.net");
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = TestClock.New();
    private readonly SqliteGreylistStore _store;

    public GreylistCheckTests() => _store = new SqliteGreylistStore(_directory.Path, _time);

    public void Dispose()
    {
        _store.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task FirstSeen_Is451_4_7_1_WithTheWholeDelay()
    {
        PolicyDecision decision = await Check().CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 451, "4.7.1");
        Assert.Equal("<bob@example.net>: Recipient address rejected: Greylisted, try again in 300 seconds", decision.Reply!.Text);
        Assert.Equal("greylist", decision.Policy);
    }

    [Fact]
    public async Task RetryTooSoon_Is451_WithTheSecondsLeft()
    {
        GreylistCheck check = Check();
        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromSeconds(100.5));

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        ReplyAssert.Is(decision.Reply!, 451, "4.7.1");
        Assert.EndsWith("try again in 200 seconds", decision.Reply!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetryJustBeforeTheDelay_SaysAtLeastOneSecond()
    {
        GreylistCheck check = Check();
        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromSeconds(299.9));

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        Assert.EndsWith("try again in 1 seconds", decision.Reply!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetryAfterTheDelay_Passes_AsDontKnow()
    {
        GreylistCheck check = Check();
        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromMinutes(5));

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        Assert.Equal(PolicyDecision.DontKnow, decision);
    }

    [Fact]
    public async Task PassedTriplet_PassesAgainAtOnce_AndWeeksLater()
    {
        GreylistCheck check = Check();
        await Pass(check);

        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default)).Verdict);
        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default)).Verdict);

        // Each pass refreshed the expiry: 30 more days are still within 36 of the last pass.
        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default)).Verdict);
    }

    [Fact]
    public async Task RetryAfterTheWindow_StartsOver()
    {
        GreylistCheck check = Check();
        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        ReplyAssert.Is(decision.Reply!, 451, "4.7.1");
        Assert.EndsWith("try again in 300 seconds", decision.Reply!.Text, StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default)).Verdict);
    }

    [Fact]
    public async Task PassedTriplet_ExpiresAfterTheExpiry()
    {
        GreylistCheck check = Check();
        await Pass(check);
        _time.Advance(TimeSpan.FromDays(36) + TimeSpan.FromSeconds(1));

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        Assert.EndsWith("try again in 300 seconds", decision.Reply!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientsOfOneIpv4Slash24_ShareATriplet()
    {
        GreylistCheck check = Check();
        await check.CheckAsync(Clients.Stranger("192.0.2.10"), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger("192.0.2.200"), Sender, Recipient, default)).Verdict);
        Assert.Equal(PolicyVerdict.Reject, (await check.CheckAsync(Clients.Stranger("192.0.3.10"), Sender, Recipient, default)).Verdict);
    }

    [Fact]
    public async Task ClientsOfOneIpv6Slash64_ShareATriplet()
    {
        GreylistCheck check = Check();
        await check.CheckAsync(Clients.Stranger("2001:db8:1:2::10"), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger("2001:db8:1:2:ffff::1"), Sender, Recipient, default)).Verdict);
        Assert.Equal(PolicyVerdict.Reject, (await check.CheckAsync(Clients.Stranger("2001:db8:1:3::10"), Sender, Recipient, default)).Verdict);
    }

    [Fact]
    public async Task NullSender_IsATripletOfItsOwn()
    {
        GreylistCheck check = Check();
        await Pass(check);

        PolicyDecision bounce = await check.CheckAsync(Clients.Stranger(), null, Recipient, default);
        Assert.Equal(PolicyVerdict.Reject, bounce.Verdict);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), null, Recipient, default)).Verdict);

        GreylistEntry entry = (await _store.ListAsync(default)).Single(e => e.Triplet.Sender == "<>");
        Assert.True(entry.Passed);
    }

    [Fact]
    public async Task AnotherRecipient_IsAnotherTriplet()
    {
        GreylistCheck check = Check();
        await Pass(check);

        Assert.Equal(PolicyVerdict.Reject, (await check.CheckAsync(Clients.Stranger(), Sender, Clients.Mailbox("carol@example.net"), default)).Verdict);
    }

    [Fact]
    public async Task RetryInAnotherCase_IsTheSameTriplet()
    {
        GreylistCheck check = Check();
        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromMinutes(5));

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), Clients.Mailbox("ALICE@Example.ORG"), Clients.Mailbox("Bob@EXAMPLE.net"), default);

        Assert.Equal(PolicyVerdict.DontKnow, decision.Verdict);
    }

    [Fact]
    public async Task State_SurvivesARestartOfTheStore()
    {
        await Check().CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        _store.Dispose();
        _time.Advance(TimeSpan.FromMinutes(5));

        using var restarted = new SqliteGreylistStore(_directory.Path, _time);
        PolicyDecision decision = await Check(store: restarted).CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        Assert.Equal(PolicyVerdict.DontKnow, decision.Verdict);
    }

    [Fact]
    public async Task TrustedClients_AreNotGreylisted()
    {
        Assert.Equal(PolicyDecision.DontKnow, await Check().CheckAsync(Clients.Trusted(), Sender, Recipient, default));
        Assert.Empty(await _store.ListAsync(default));
    }

    [Fact]
    public async Task AuthenticatedClients_AreNotGreylisted()
    {
        Assert.Equal(PolicyDecision.DontKnow, await Check().CheckAsync(Clients.Authenticated(), Sender, Recipient, default));
        Assert.Empty(await _store.ListAsync(default));
    }

    [Fact]
    public async Task AllowListedNetworks_AreNotGreylisted()
    {
        GreylistCheck check = Check(o => o.AllowNetworks.Add("198.51.100.0/24"));

        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger("198.51.100.7"), Sender, Recipient, default)).Verdict);
        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger("::ffff:198.51.100.8"), Sender, Recipient, default)).Verdict);
        Assert.Equal(PolicyVerdict.Reject, (await check.CheckAsync(Clients.Stranger("198.51.101.7"), Sender, Recipient, default)).Verdict);
    }

    [Theory]
    [InlineData("alice@example.org", PolicyVerdict.DontKnow)]
    [InlineData("alice@EXAMPLE.org", PolicyVerdict.DontKnow)]
    [InlineData("alice@mail.example.org", PolicyVerdict.DontKnow)]
    [InlineData("alice@notexample.org", PolicyVerdict.Reject)]
    [InlineData("alice@example.org.evil.test", PolicyVerdict.Reject)]
    public async Task AllowListedSenderDomains_AndTheirSubdomains_AreNotGreylisted(string sender, PolicyVerdict verdict)
    {
        GreylistCheck check = Check(o => o.AllowSenderDomains.Add("Example.org."));

        Assert.Equal(verdict, (await check.CheckAsync(Clients.Stranger(), Clients.Mailbox(sender), Recipient, default)).Verdict);
    }

    [Fact]
    public async Task AllowListedSenderDomains_DoNotCoverTheNullSender()
    {
        GreylistCheck check = Check(o => o.AllowSenderDomains.Add("example.org"));

        Assert.Equal(PolicyVerdict.Reject, (await check.CheckAsync(Clients.Stranger(), null, Recipient, default)).Verdict);
    }

    [Fact]
    public async Task Disabled_IsDontKnow_AndTouchesNoStore()
    {
        GreylistCheck check = Check(o => o.Enabled = false);

        Assert.Equal(PolicyDecision.DontKnow, await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default));
        Assert.False(File.Exists(_store.FilePath));
    }

    [Fact]
    public async Task AllowedByOperator_PassesOnTheNextTry()
    {
        GreylistCheck check = Check();
        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        await _store.AllowAsync(GreylistTriplet.For(Clients.Stranger().Address, "alice@example.org", "bob@example.net"), TimeSpan.FromDays(36), default);

        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default)).Verdict);
    }

    [Fact]
    public async Task StoreFailure_LetsTheMailThrough_AndLogsAWarning()
    {
        var logger = new ListLogger();
        var check = new GreylistCheck(Enabled(), new FailingStore(), _time, logger);

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        Assert.Equal(PolicyDecision.DontKnow, decision);
        Assert.Equal(LogLevel.Warning, Assert.Single(logger.Levels));
    }

    private async Task Pass(GreylistCheck check)
    {
        Assert.Equal(PolicyVerdict.Reject, (await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default)).Verdict);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default)).Verdict);
    }

    private GreylistCheck Check(Action<GreylistOptions>? configure = null, IGreylistStore? store = null)
    {
        GreylistOptions options = Enabled();
        configure?.Invoke(options);
        return new GreylistCheck(options, store ?? _store, _time, NullLogger<GreylistCheck>.Instance);
    }

    private static GreylistOptions Enabled() => new() { Enabled = true };

    private sealed class FailingStore : IGreylistStore
    {
        public ValueTask<GreylistEntry> UpdateAsync(GreylistTriplet triplet, Func<GreylistEntry?, GreylistEntry> update, CancellationToken cancellationToken) =>
            throw new GreylistStoreException("disk I/O error");

        public ValueTask<IReadOnlyList<GreylistEntry>> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask AllowAsync(GreylistTriplet triplet, TimeSpan lifetime, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<int> PurgeAsync(bool all, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class ListLogger : ILogger<GreylistCheck>
    {
        public List<LogLevel> Levels { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Levels.Add(logLevel);
    }
}
