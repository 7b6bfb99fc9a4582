// The pure parts of outbound delivery: options, the retry schedule, the wake-up clock, EHLO parsing, the catalog.
using Herald.Delivery.Outbound;
using Herald.Delivery.Outbound.Smtp;
using Herald.Protocol.Replies;
using Herald.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Delivery.Tests.Outbound;

public sealed class DeliveryOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndAsDocumented()
    {
        var options = new DeliveryOptions();

        Assert.Empty(options.Validate());
        Assert.Equal((25, TlsMode.Opportunistic, 20, 100), (options.Port, options.Tls, options.MaxConnectionsPerHost, options.MaxMessagesPerConnection));
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), TimeSpan.FromDays(5)), (options.MinBackoff, options.MaxBackoff, options.MaxQueueLifetime));
        Assert.Null(options.DelayWarningAfter);
        Assert.Null(options.SmartHost);
    }

    [Fact]
    public void Validate_NamesEveryBadKey()
    {
        var options = new DeliveryOptions
        {
            HeloName = "not a name",
            SmartHost = "relay.example:99999",
            Port = 0,
            MaxConnectionsPerHost = 0,
            MaxMessagesPerConnection = 0,
            MaxConcurrentMessages = 0,
            ConnectTimeout = TimeSpan.Zero,
            ConnectionCacheTime = TimeSpan.FromHours(1),
            MinBackoff = TimeSpan.Zero,
            MaxBackoff = TimeSpan.FromSeconds(-1),
            MaxQueueLifetime = TimeSpan.FromDays(1),
            DelayWarningAfter = TimeSpan.FromDays(2),
        };

        string[] errors = [.. options.Validate()];

        foreach (string key in new[] { "HeloName", "SmartHost", "Port", "MaxConnectionsPerHost", "MaxMessagesPerConnection", "MaxConcurrentMessages",
            "ConnectTimeout", "ConnectionCacheTime", "MinBackoff", "MaxBackoff", "DelayWarningAfter" })
        {
            Assert.Contains(errors, e => e.StartsWith($"Herald:Delivery:{key}:", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("relay.example.com:587", "relay.example.com", 587)]
    [InlineData("Relay.Example.com", "relay.example.com", 25)]
    [InlineData("192.0.2.1:2525", "192.0.2.1", 2525)]
    [InlineData("[192.0.2.1]", "192.0.2.1", 25)]
    [InlineData("[2001:db8::1]:26", "2001:db8::1", 26)]
    [InlineData("[IPv6:2001:db8::1]:26", "2001:db8::1", 26)]
    [InlineData("2001:db8::1", "2001:db8::1", 25)]
    public void SmartHost_Parses(string text, string host, int port)
    {
        Assert.True(DeliveryOptions.TryParseHostPort(text, 25, out string parsedHost, out int parsedPort));
        Assert.Equal((host, port), (parsedHost, parsedPort));
    }

    [Theory]
    [InlineData("")]
    [InlineData("relay:")]
    [InlineData("relay:0")]
    [InlineData("relay:abc")]
    [InlineData("[relay]:25")]
    [InlineData("bad host:25")]
    [InlineData("[2001:db8::1")]
    public void SmartHost_Rejects(string text)
    {
        Assert.False(DeliveryOptions.TryParseHostPort(text, 25, out _, out _));
    }
}

public sealed class RetryScheduleTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void BaseDelay_DoublesFromMinBackoff_UpToMaxBackoff()
    {
        var schedule = new RetrySchedule(new DeliveryOptions(), new Random(1));

        Assert.Equal(
            [5, 10, 20, 40, 60, 60, 60],
            Enumerable.Range(1, 7).Select(a => schedule.BaseDelay(a).TotalMinutes));
    }

    [Fact]
    public void Jitter_StaysWithinTenPercent()
    {
        var schedule = new RetrySchedule(new DeliveryOptions(), new Random(7));
        for (int i = 0; i < 1000; i++)
        {
            double jitter = schedule.NextJitter();
            Assert.InRange(jitter, 0.9, 1.1);
            TimeSpan wait = schedule.Next(2, Now, Now, jitter) - Now;
            Assert.InRange(wait, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11));
        }
    }

    [Fact]
    public void Next_NeverFallsAfterTheQueueLifetime()
    {
        var schedule = new RetrySchedule(new DeliveryOptions(), new Random(1));
        DateTimeOffset arrived = Now - TimeSpan.FromDays(5) + TimeSpan.FromMinutes(2);

        Assert.Equal(arrived + TimeSpan.FromDays(5), schedule.Next(30, Now, arrived, 1.1));
        Assert.Equal(Now, schedule.Next(30, Now, Now - TimeSpan.FromDays(6), 1.0));
    }
}

public sealed class WakeScheduleTests
{
    private static readonly QueueId A = QueueId.Parse("01M8N9CYYRJ49WN8");
    private static readonly QueueId B = QueueId.Parse("01M8N9CYYRJ49WN9");

    [Fact]
    public void WakesEachMessageWhenDue_KeepingTheEarliestTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var woken = new List<QueueId>();
        using var schedule = new WakeSchedule(time, id => { lock (woken) { woken.Add(id); } });

        schedule.At(A, time.GetUtcNow().AddMinutes(10));
        schedule.At(A, time.GetUtcNow().AddMinutes(5));
        schedule.At(A, time.GetUtcNow().AddMinutes(7));
        schedule.At(B, time.GetUtcNow().AddMinutes(6));

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(woken);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([A], woken);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([A, B], woken);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal([A, B], woken);
        Assert.Equal(0, schedule.Count);
    }

    [Fact]
    public void AlreadyDue_WakesAtOnce()
    {
        var time = new FakeTimeProvider();
        var woken = new List<QueueId>();
        using var schedule = new WakeSchedule(time, woken.Add);

        schedule.At(A, time.GetUtcNow());

        Assert.Equal([A], woken);
    }
}

public sealed class ServerCapabilitiesTests
{
    [Fact]
    public void ReadsTheKeywordsItActsOn()
    {
        var ehlo = new SmtpReply(250, null, ["mx.example.com Hello", "pipelining", "SIZE 10240000", "8BITMIME", "SMTPUTF8", "STARTTLS", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN", ""]);

        ServerCapabilities capabilities = ServerCapabilities.Parse(ehlo);

        Assert.True(capabilities.Pipelining && capabilities.EightBitMime && capabilities.SmtpUtf8 && capabilities.StartTls && capabilities.EnhancedStatusCodes);
        Assert.Equal(10240000, capabilities.Size);
        Assert.True(capabilities.RefusesSize(10240001));
        Assert.False(capabilities.RefusesSize(10240000));
    }

    [Fact]
    public void SizeWithoutALimit_RefusesNothing_AndAGreetingLineIsNotAKeyword()
    {
        ServerCapabilities capabilities = ServerCapabilities.Parse(new SmtpReply(250, null, ["PIPELINING", "SIZE"]));

        Assert.False(capabilities.Pipelining);
        Assert.Equal(0, capabilities.Size);
        Assert.False(capabilities.RefusesSize(long.MaxValue));
    }
}

public sealed class OutboundRepliesTests
{
    /// <summary>Section 2 of the reply contract names these codes; the catalog must carry them.</summary>
    [Theory]
    [InlineData(nameof(OutboundReplies.NullMx), "5.1.10")]
    [InlineData(nameof(OutboundReplies.NoSuchDomain), "5.1.2")]
    [InlineData(nameof(OutboundReplies.DnsTemporaryFailure), "4.4.3")]
    [InlineData(nameof(OutboundReplies.ConnectFailed), "4.4.1")]
    [InlineData(nameof(OutboundReplies.NoHostAcceptsMail), "5.3.2")]
    [InlineData(nameof(OutboundReplies.Expired), "4.4.7")]
    public void ContractRows_HaveTheirCodes(string name, string enhanced)
    {
        ReplyTemplate row = OutboundReplies.All.Single(r => r.Name == name);

        Assert.Equal(enhanced, row.Enhanced.ToString());
    }

    [Fact]
    public void OutsideText_IsMadeOneLine()
    {
        Assert.Equal("a  b c", OutboundReplies.OneLine(" a\r\nb\tc\n"));
        Assert.Equal(303, OutboundReplies.OneLine(new string('x', 1000)).Length);
        Assert.Equal("4.3.0", OutboundReplies.LocalError.Render("x", OutboundReplies.OneLine("multi\r\nline")).Enhanced.ToString());
    }

    [Fact]
    public void NullMx_NamesRfc7505()
    {
        Assert.Contains("RFC 7505", OutboundReplies.NullMx.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRow_RendersAValidReply()
    {
        foreach (ReplyTemplate row in OutboundReplies.All)
        {
            SmtpReply reply = row.Render("a", "b", "c");
            Assert.Equal(row.Code, reply.Code);
            Assert.Equal(row.Enhanced!.Value.Class, reply.Code.Value / 100);
        }
    }
}
