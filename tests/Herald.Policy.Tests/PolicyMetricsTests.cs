// Greylisting counts each decision it makes: first attempt, retry too soon, pass, exemption, store failure.
using Herald.Policy.Checks;
using Herald.Policy.Greylisting;
using Herald.Protocol.Addresses;
using Herald.TestSupport.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests;

public sealed class PolicyMetricsTests : IDisposable
{
    private static readonly Mailbox Sender = Clients.Mailbox("alice@example.org");
    private static readonly Mailbox Recipient = Clients.Mailbox("bob@example.net");
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = TestClock.New();
    private readonly SqliteGreylistStore _store;
    private readonly TestMeterFactory _meters = new();
    private readonly MetricCollector<long> _decisions;

    public PolicyMetricsTests()
    {
        _store = new SqliteGreylistStore(_directory.Path, _time);
        _decisions = new MetricCollector<long>(_meters, PolicyMetrics.MeterName, "herald.greylist.decisions");
    }

    public void Dispose()
    {
        _decisions.Dispose();
        _meters.Dispose();
        _store.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Greylisting_CountsFirstAttempt_RetryTooSoon_Pass_AndExemption()
    {
        var check = new GreylistCheck(new GreylistOptions { Enabled = true }, _store, _time, NullLogger<GreylistCheck>.Instance, new PolicyMetrics(_meters));

        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromMinutes(1));
        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        _time.Advance(TimeSpan.FromMinutes(5));
        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);
        await check.CheckAsync(Clients.Trusted(), Sender, Recipient, default);

        Assert.Equal(["greylisted", "too_early", "passed", "exempt"], _decisions.GetMeasurementSnapshot().Select(m => (string?)m.Tags["decision"]));
    }

    [Fact]
    public async Task Greylisting_Off_CountsNothing()
    {
        var check = new GreylistCheck(new GreylistOptions(), _store, _time, NullLogger<GreylistCheck>.Instance, new PolicyMetrics(_meters));

        await check.CheckAsync(Clients.Stranger(), Sender, Recipient, default);

        Assert.Empty(_decisions.GetMeasurementSnapshot());
    }
}
