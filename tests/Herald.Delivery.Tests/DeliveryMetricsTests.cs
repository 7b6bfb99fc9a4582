// The delivery instruments: each recipient's outcome by transport, and the destination hosts by how they stand.
using Herald.Delivery.Tests.Outbound;
using Herald.Protocol.Addresses;
using Herald.Queue;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Herald.Delivery.Tests;

public sealed class DeliveryMetricsTests : IAsyncDisposable
{
    private static readonly Mailbox Sender = new("alice", "herald.test");
    private readonly OutboundHarness _h = new();

    public DeliveryMetricsTests()
    {
        _h.Dns.AddMx("good.test", 10, "mx1.good.test").AddA("mx1.good.test", "127.0.0.2")
            .AddMx("busy.test", 10, "mx1.busy.test").AddA("mx1.busy.test", "127.0.0.3");
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Outbound_CountsSent_Bounced_AndDeferred_AndTheHostThatSaid421IsBackingOff()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(
            new PeerScript { Rcpt = (_, line) => line.Contains("nobody", StringComparison.Ordinal) ? "550 5.1.1 No such user" : "250 2.1.5 Ok" },
            "127.0.0.2", "127.0.0.3");
        peers[1].Script = new PeerScript { Greeting = c => new PeerReply($"421 4.3.2 {c.HostName} Service not available", PeerAction.Close) };
        using var recipients = new MetricCollector<long>(_h.Meters, DeliveryMetrics.MeterName, "herald.delivery.recipients");
        using var destinations = new MetricCollector<int>(_h.Meters, DeliveryMetrics.MeterName, "herald.delivery.destinations");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, new Mailbox("bob", "good.test"), new Mailbox("nobody", "good.test"), new Mailbox("carol", "busy.test"));
        await _h.Handled.WaitAsync(id);

        Assert.Equal(
            ["outbound bounced", "outbound deferred", "outbound sent"],
            recipients.GetMeasurementSnapshot().Select(m => $"{m.Tags["transport"]} {m.Tags["outcome"]}").Order(StringComparer.Ordinal));
        destinations.RecordObservableInstruments();
        Assert.Equal(
            ["ok 1", "pushing_back 0", "backing_off 1"],
            destinations.GetMeasurementSnapshot().Select(m => $"{m.Tags["state"]} {m.Value}"));
    }
}
