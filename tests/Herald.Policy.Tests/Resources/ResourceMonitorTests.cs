// Free-disk floors and the memory ceiling with a fake probe: replies, the one-second cache, unknown disk.
using Herald.Policy.Checks;
using Herald.Policy.Resources;
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Resources;

public sealed class ResourceMonitorTests
{
    private const long MiB = 1024 * 1024;
    private readonly FakeTimeProvider _time = TestClock.New();
    private readonly FakeProbe _probe = new() { FreeDisk = 10_000 * MiB, Memory = 100 * MiB };

    [Fact]
    public void Plenty_AdmitsAndAcceptsMail()
    {
        ResourceMonitor monitor = Monitor();

        Assert.Null(monitor.CheckAtConnect());
        Assert.False(monitor.IsDiskLow);
    }

    [Fact]
    public async Task UnderTheSoftFloor_MailIs452_4_3_1_ButConnectionsAreAdmitted()
    {
        _probe.FreeDisk = 100 * MiB;
        ResourceMonitor monitor = Monitor();

        PolicyDecision decision = await new ResourceCheck(monitor).CheckAsync(Clients.Trusted(), null, default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 452, "4.3.1");
        Assert.Equal("Insufficient system storage", decision.Reply!.Text);
        Assert.Equal("resources", decision.Policy);
        Assert.Null(monitor.CheckAtConnect());
    }

    [Fact]
    public void UnderTheCriticalFloor_ConnectionsAre421_4_3_1_WithTheHostName()
    {
        _probe.FreeDisk = 10 * MiB;

        SmtpReply? reply = Monitor().CheckAtConnect();

        Assert.NotNull(reply);
        ReplyAssert.Is(reply, 421, "4.3.1");
        Assert.Equal("mx.example.test Insufficient system resources, try again later", reply.Text);
    }

    [Fact]
    public void OverTheMemoryCeiling_ConnectionsAre421_4_3_1()
    {
        _probe.Memory = 600 * MiB;

        SmtpReply? reply = Monitor(o => o.MaxMemoryBytes = 512 * MiB).CheckAtConnect();

        Assert.NotNull(reply);
        ReplyAssert.Is(reply, 421, "4.3.1");
    }

    [Fact]
    public async Task Zero_TurnsEachLimitOff()
    {
        _probe.FreeDisk = 0;
        _probe.Memory = long.MaxValue;
        ResourceMonitor monitor = Monitor(o =>
        {
            o.MinFreeDiskBytes = 0;
            o.CriticalFreeDiskBytes = 0;
            o.MaxMemoryBytes = 0;
        });

        Assert.Null(monitor.CheckAtConnect());
        Assert.Equal(PolicyDecision.DontKnow, await new ResourceCheck(monitor).CheckAsync(Clients.Stranger(), null, default));
    }

    [Fact]
    public void UnreadableDisk_CountsAsFine()
    {
        _probe.FreeDisk = null;
        ResourceMonitor monitor = Monitor();

        Assert.Null(monitor.CheckAtConnect());
        Assert.False(monitor.IsDiskLow);
    }

    [Fact]
    public void Probe_IsReadAtMostOnceASecond()
    {
        ResourceMonitor monitor = Monitor();

        for (int i = 0; i < 100; i++)
        {
            monitor.CheckAtConnect();
            _ = monitor.IsDiskLow;
        }

        Assert.Equal(1, _probe.Reads);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        monitor.CheckAtConnect();
        Assert.Equal(1, _probe.Reads);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        monitor.CheckAtConnect();
        Assert.Equal(2, _probe.Reads);
    }

    [Fact]
    public void DiskFreedAgain_IsNoticedAfterTheNextReading()
    {
        _probe.FreeDisk = 10 * MiB;
        ResourceMonitor monitor = Monitor();
        Assert.NotNull(monitor.CheckAtConnect());

        _probe.FreeDisk = 10_000 * MiB;
        Assert.NotNull(monitor.CheckAtConnect());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(monitor.CheckAtConnect());
    }

    [Fact]
    public void Refusal_IsOneReplyInstance()
    {
        _probe.FreeDisk = 0;
        ResourceMonitor monitor = Monitor();

        Assert.Same(monitor.CheckAtConnect(), monitor.CheckAtConnect());
    }

    [Fact]
    public void SystemProbe_ReadsTheRealDiskAndHeap()
    {
        using var directory = new TempDirectory();
        var probe = new SystemResourceProbe(Path.Combine(directory.Path, "not-yet", "created"));

        Assert.True(probe.FreeDiskBytes() > 0);
        Assert.True(probe.MemoryBytes() > 0);
    }

    [Fact]
    public void Defaults_AreValid()
    {
        var options = new ResourceLimitOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(128 * MiB, options.MinFreeDiskBytes);
        Assert.Equal(32 * MiB, options.CriticalFreeDiskBytes);
        Assert.Equal(0, options.MaxMemoryBytes);
    }

    [Fact]
    public void BadValues_AreEachNamedByKey()
    {
        var options = new ResourceLimitOptions { MinFreeDiskBytes = -1, CriticalFreeDiskBytes = -1, MaxMemoryBytes = -1 };

        Assert.Collection(
            options.Validate(),
            e => Assert.StartsWith("Herald:Limits:MinFreeDiskBytes:", e),
            e => Assert.StartsWith("Herald:Limits:CriticalFreeDiskBytes:", e),
            e => Assert.StartsWith("Herald:Limits:MaxMemoryBytes:", e));
    }

    [Fact]
    public void CriticalFloorAboveTheSoftFloor_IsRefused()
    {
        var options = new ResourceLimitOptions { MinFreeDiskBytes = 10 * MiB, CriticalFreeDiskBytes = 20 * MiB };

        Assert.StartsWith("Herald:Limits:CriticalFreeDiskBytes:", Assert.Single(options.Validate()));
    }

    private ResourceMonitor Monitor(Action<ResourceLimitOptions>? configure = null)
    {
        var options = new ResourceLimitOptions();
        configure?.Invoke(options);
        return new ResourceMonitor(options, _probe, _time, "mx.example.test");
    }

    private sealed class FakeProbe : IResourceProbe
    {
        public long? FreeDisk { get; set; }

        public long Memory { get; set; }

        public int Reads { get; private set; }

        public long? FreeDiskBytes()
        {
            Reads++;
            return FreeDisk;
        }

        public long MemoryBytes() => Memory;
    }
}
