// The queue gauges are read from the folders at collection time: active, held, corrupt, and the oldest's age.
using Herald.Queue.Files;
using Herald.TestSupport.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Herald.Queue.Tests;

public sealed class QueueMetricsTests : IDisposable
{
    private readonly QueueFixture _fixture = new();
    private readonly TestMeterFactory _meters = new();

    public void Dispose()
    {
        _meters.Dispose();
        _fixture.Dispose();
    }

    [Fact]
    public async Task Gauges_CountEachFolder_AndTheOldestMessagesWait()
    {
        FileQueueStore store = await _fixture.OpenAsync();
        QueueId first = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("first\r\n"));
        _fixture.Time.Advance(TimeSpan.FromMinutes(1));
        await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("second\r\n"));
        QueueId held = await Samples.CommitAsync(store, Samples.Simple(), Samples.Content("third\r\n"));
        await store.SetHoldAsync(held, hold: true, CancellationToken.None);
        File.WriteAllText(Path.Combine(_fixture.Corrupt, "01M8N9CYYRJ49WN8"), "torn");
        _ = new QueueMetrics(_meters, store, _fixture.Time);
        using var messages = new MetricCollector<int>(_meters, QueueMetrics.MeterName, "herald.queue.messages");
        using var age = new MetricCollector<double>(_meters, QueueMetrics.MeterName, "herald.queue.oldest_message.age");
        _fixture.Time.Advance(TimeSpan.FromMinutes(9));

        messages.RecordObservableInstruments();
        age.RecordObservableInstruments();

        Assert.Equal(
            ["active 2", "held 1", "corrupt 1"],
            messages.GetMeasurementSnapshot().Select(m => $"{m.Tags["state"]} {m.Value}"));
        Assert.Equal(600, age.LastMeasurement!.Value, precision: 0);
        Assert.Equal(first.Timestamp, store.Depth().OldestArrival);
    }

    [Fact]
    public void Depth_BeforeTheFoldersExist_IsAnEmptyQueue()
    {
        var store = new FileQueueStore(new QueueStoreOptions(Path.Combine(_fixture.Root, "not-yet")), _fixture.Time, _fixture.Logger);

        Assert.Equal(new QueueDepth(0, 0, 0, null), store.Depth());
    }

    [Fact]
    public void QueueId_Timestamp_IsTheArrivalTimeItEncodes()
    {
        QueueId id = QueueId.New(_fixture.Time);

        Assert.Equal(_fixture.Time.GetUtcNow(), id.Timestamp);
    }
}
