// Failed AUTH attempts: the limit is tolerated, one more is "over", trusted clients never are.
using System.Net;
using Herald.Policy.Rates;
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Rates;

public sealed class AuthFailureLimiterTests
{
    private readonly FakeTimeProvider _time = TestClock.New();

    [Fact]
    public async Task FailuresUpToTheLimit_AreTolerated_TheNextIsOver()
    {
        AuthFailureLimiter limiter = Limiter(perMinute: 3);
        IPAddress client = IPAddress.Parse("192.0.2.9");

        Assert.False(await Over(limiter, client));
        Assert.False(await Over(limiter, client));
        Assert.False(await Over(limiter, client));
        Assert.True(await Over(limiter, client));
    }

    [Fact]
    public async Task Default_TenFailuresAMinute()
    {
        var limiter = new AuthFailureLimiter(new RateLimitOptions(), NetworkList.Empty, new InMemoryRateCounter(_time), "mx.example.test");
        IPAddress client = IPAddress.Parse("192.0.2.9");

        for (int i = 0; i < 10; i++)
        {
            Assert.False(await Over(limiter, client));
        }

        Assert.True(await Over(limiter, client));
    }

    [Fact]
    public async Task FailuresOlderThanAMinute_NoLongerCount()
    {
        AuthFailureLimiter limiter = Limiter(perMinute: 1);
        IPAddress client = IPAddress.Parse("192.0.2.9");
        Assert.False(await Over(limiter, client));
        Assert.True(await Over(limiter, client));

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(await Over(limiter, client));
    }

    [Fact]
    public async Task TrustedClients_AreNeverOver()
    {
        var limiter = new AuthFailureLimiter(
            new RateLimitOptions { AuthFailuresPerMinute = 1 }, NetworkList.Parse(["10.0.0.0/8"]), new InMemoryRateCounter(_time), "mx.example.test");

        for (int i = 0; i < 10; i++)
        {
            Assert.False(await Over(limiter, IPAddress.Parse("10.0.0.5")));
        }
    }

    [Fact]
    public async Task Zero_IsOff()
    {
        AuthFailureLimiter limiter = Limiter(perMinute: 0);

        for (int i = 0; i < 100; i++)
        {
            Assert.False(await Over(limiter, IPAddress.Parse("192.0.2.9")));
        }
    }

    [Fact]
    public async Task OverTheLimit_Is421_4_7_0()
    {
        AuthFailureLimiter limiter = Limiter(perMinute: 1);
        IPAddress client = IPAddress.Parse("192.0.2.9");
        Assert.Null(await limiter.RecordFailureAsync(client, default));

        SmtpReply? reply = await limiter.RecordFailureAsync(client, default);

        Assert.NotNull(reply);
        ReplyAssert.Is(reply, 421, "4.7.0");
        Assert.StartsWith("mx.example.test ", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CounterUnavailable_Is421_4_3_0_SoGuessingIsNeverUnmetered()
    {
        var limiter = new AuthFailureLimiter(new RateLimitOptions(), NetworkList.Empty, new UnavailableRateCounter(), "mx.example.test");

        SmtpReply? reply = await limiter.RecordFailureAsync(IPAddress.Parse("192.0.2.9"), default);

        Assert.NotNull(reply);
        ReplyAssert.Is(reply, 421, "4.3.0");
    }

    private static async Task<bool> Over(AuthFailureLimiter limiter, IPAddress client) =>
        await limiter.RecordFailureAsync(client, default) is not null;

    private AuthFailureLimiter Limiter(int perMinute) =>
        new(new RateLimitOptions { AuthFailuresPerMinute = perMinute }, NetworkList.Empty, new InMemoryRateCounter(_time), "mx.example.test");
}
