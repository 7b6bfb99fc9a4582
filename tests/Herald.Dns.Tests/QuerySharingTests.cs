// Tests that lookups of one question in flight at once share a single query.
using Microsoft.Extensions.Time.Testing;

namespace Herald.Dns.Tests;

public sealed class QuerySharingTests
{
    [Fact]
    public async Task ResolveMx_ConcurrentLookups_ShareOneQuery()
    {
        var transport = new GatedTransport();
        var resolver = new DnsMxResolver(new DnsOptions(), new FakeTimeProvider(), new Random(1), transport);

        var lookups = Enumerable.Range(0, 10).Select(_ => resolver.ResolveMxAsync("example.test", default)).ToArray();
        Assert.All(lookups, l => Assert.False(l.IsCompleted));
        transport.Release(DnsAnswer.WithMx([new MxHost("mx.example.test", 10)]));
        var results = await Task.WhenAll(lookups);

        Assert.All(results, r => Assert.Equal("mx.example.test", Assert.Single(Assert.IsType<MxResolution.Found>(r).Hosts).Name));
        Assert.Equal(1, transport.Queries);
    }

    [Fact]
    public async Task ResolveMx_OneCallerCancels_OthersStillGetTheAnswer()
    {
        var transport = new GatedTransport();
        var resolver = new DnsMxResolver(new DnsOptions(), new FakeTimeProvider(), new Random(1), transport);
        using var cancel = new CancellationTokenSource();

        var cancelled = resolver.ResolveMxAsync("example.test", cancel.Token);
        var waiting = resolver.ResolveMxAsync("example.test", default);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        transport.Release(DnsAnswer.WithMx([new MxHost("mx.example.test", 10)]));

        Assert.IsType<MxResolution.Found>(await waiting);
        Assert.Equal(1, transport.Queries);
    }

    [Fact]
    public async Task ResolveMx_AfterSharedFailure_NextLookupAsksAgain()
    {
        var transport = new GatedTransport();
        var options = new DnsOptions { FailureCacheTime = TimeSpan.Zero };
        var resolver = new DnsMxResolver(options, new FakeTimeProvider(), new Random(1), transport);

        var first = resolver.ResolveMxAsync("example.test", default);
        transport.Release(DnsAnswer.Failure("SERVFAIL"));
        Assert.IsType<MxResolution.TemporaryFailure>(await first);

        var second = resolver.ResolveMxAsync("example.test", default);
        Assert.Equal(2, transport.Queries);
        transport.Release(DnsAnswer.WithMx([new MxHost("mx.example.test", 10)]));
        Assert.IsType<MxResolution.Found>(await second);
    }

    /// <summary>Holds every query until the test releases it with an answer.</summary>
    private sealed class GatedTransport : IDnsTransport
    {
        private TaskCompletionSource<DnsAnswer> gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Queries { get; private set; }

        public async Task<TimedAnswer> QueryAsync(string name, DnsRecordKind kind, CancellationToken cancellationToken)
        {
            Queries++;
            return new TimedAnswer(await gate.Task, TimeSpan.Zero);
        }

        public void Release(DnsAnswer answer)
        {
            var released = gate;
            gate = new TaskCompletionSource<DnsAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
            released.SetResult(answer);
        }
    }
}
