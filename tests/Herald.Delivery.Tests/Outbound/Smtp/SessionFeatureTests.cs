// What the client does with the extensions a server offers: HELO fallback, SIZE, 8BITMIME, SMTPUTF8, STARTTLS.
using Herald.Delivery.Outbound;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Reports;
using Herald.TestSupport.Smtp;

namespace Herald.Delivery.Tests.Outbound.Smtp;

public sealed class SessionFeatureTests : IAsyncDisposable
{
    private static readonly Mailbox Sender = new("alice", "herald.test");
    private static readonly Mailbox Bob = new("bob", "example.test");

    private readonly OutboundHarness _h = new();

    public SessionFeatureTests()
    {
        _h.Dns.AddMx("example.test", 10, "mx1.example.test").AddMx("example.test", 20, "mx2.example.test")
            .AddA("mx1.example.test", "127.0.0.2").AddA("mx2.example.test", "127.0.0.3");
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Ehlo5xx_FallsBackToHelo_AndSendsNoExtensions()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript { Ehlo = (_, _) => "502 5.5.2 Error: command not recognized" }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, [Bob], "Subject: x\r\n\r\nx\r\n", parameters: new MailParameters { Body = BodyType.EightBitMime });
        await _h.Handled.WaitAsync(id);

        PeerConnection connection = Assert.Single(peers[0].Connections);
        Assert.Equal(["EHLO herald.test", "HELO herald.test", "MAIL FROM:<alice@herald.test>"], connection.Commands.Take(3));
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task EightBitMimeMessage_DeclaresBody8BitMime_WhereOffered()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, [Bob], "Subject: café\r\n\r\nnaïve\r\n", parameters: new MailParameters { Body = BodyType.EightBitMime });
        await _h.Handled.WaitAsync(id);

        Assert.Equal("MAIL FROM:<alice@herald.test> SIZE=26 BODY=8BITMIME", Assert.Single(peers[0].Messages).MailFrom);
        Assert.Equal("Subject: café\r\n\r\nnaïve\r\n", peers[0].Messages[0].Content);
    }

    [Fact]
    public async Task SizeBelowTheMessage_ThatHostIsSkipped_TheNextTakesIt()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2", "127.0.0.3");
        peers[0].Script = new PeerScript { Extensions = ["PIPELINING", "SIZE 10", "ENHANCEDSTATUSCODES"] };
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        Assert.DoesNotContain(peers[0].Connections[0].Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.Single(peers[1].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task SizeBelowTheMessageOnEveryHost_FailsWith5_3_4()
    {
        _h.StartPeers(new PeerScript { Extensions = ["SIZE 10"] }, "127.0.0.2", "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal("5.3.4", report.Status);
        Assert.Contains("exceeds its size limit of 10 octets", report.Explanation, StringComparison.Ordinal);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task MessageNeedingSmtpUtf8_ToHostsWithoutIt_FailsWith5_6_7()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript { Extensions = ["PIPELINING", "8BITMIME"] }, "127.0.0.2", "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, [new Mailbox("用户", "example.test")], "Subject: x\r\n\r\nx\r\n", parameters: new MailParameters { SmtpUtf8 = true });
        await _h.Handled.WaitAsync(id);

        RecipientReport report = Assert.Single(Assert.Single(_h.Reporter.Calls).Recipients);
        Assert.Equal(ReportAction.Failed, report.Action);
        Assert.Equal("5.6.7", report.Status);
        Assert.Empty(peers[0].Messages);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task MessageNeedingSmtpUtf8_ToAHostWithIt_DeclaresSmtpUtf8()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, [new Mailbox("用户", "example.test")], "Subject: x\r\n\r\nx\r\n", parameters: new MailParameters { SmtpUtf8 = true });
        await _h.Handled.WaitAsync(id);

        PeerMessage message = Assert.Single(peers[0].Messages);
        Assert.EndsWith(" SMTPUTF8", message.MailFrom, StringComparison.Ordinal);
        Assert.Equal(["RCPT TO:<用户@example.test>"], message.Recipients);
    }

    [Fact]
    public async Task StartTlsOffered_OpportunisticTlsUpgrades_AndSaysEhloAgain()
    {
        using var certificate = TestCertificates.SelfSigned("mx1.example.test");
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript { Certificate = certificate }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        PeerMessage message = Assert.Single(peers[0].Messages);
        Assert.True(message.Tls);
        Assert.Equal(["EHLO herald.test", "STARTTLS", "EHLO herald.test"], peers[0].Connections[0].Commands.Take(3));
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task TlsNone_NeverStartsTls()
    {
        using var certificate = TestCertificates.SelfSigned("mx1.example.test");
        _h.Options.Tls = TlsMode.None;
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript { Certificate = certificate }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        Assert.False(Assert.Single(peers[0].Messages).Tls);
        Assert.DoesNotContain("STARTTLS", peers[0].Connections[0].Commands);
    }

    [Fact]
    public async Task TlsRequired_HostsWithoutStartTls_AreDeferredWith4_7_4()
    {
        _h.Options.Tls = TlsMode.Required;
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2", "127.0.0.3");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, status.State);
        Assert.StartsWith("451 4.7.4 TLS is required", status.LastReply, StringComparison.Ordinal);
        Assert.Empty(peers[0].Messages);
        Assert.Empty(peers[1].Messages);
    }

    [Fact]
    public async Task TlsRequired_TheHostWithStartTlsTakesIt()
    {
        using var certificate = TestCertificates.SelfSigned("mx2.example.test");
        _h.Options.Tls = TlsMode.Required;
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript(), "127.0.0.2", "127.0.0.3");
        peers[1].Script = new PeerScript { Certificate = certificate };
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        Assert.True(Assert.Single(peers[1].Messages).Tls);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task OpportunisticTls_HandshakeFails_TheSameHostIsTriedAgainInClearText()
    {
        using var certificate = TestCertificates.SelfSigned("mx1.example.test");
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript
        {
            Certificate = certificate,
            StartTls = _ => new PeerReply("220 2.0.0 Ready to start TLS", PeerAction.Reset),
        }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, Bob);
        await _h.Handled.WaitAsync(id);

        Assert.Equal(2, peers[0].Connections.Count);
        Assert.Contains("STARTTLS", peers[0].Connections[0].Commands);
        Assert.DoesNotContain("STARTTLS", peers[0].Connections[1].Commands);
        Assert.False(Assert.Single(peers[0].Messages).Tls);
        Assert.False(await _h.IsQueuedAsync(id));
    }

    [Fact]
    public async Task SilentServer_TimesOutAfterFiveMinutesOnTheClock_AndIsDeferred()
    {
        IReadOnlyList<ScriptedSmtpPeer> peers = _h.StartPeers(new PeerScript { Silent = true }, "127.0.0.2", "127.0.0.3");
        await _h.StartAsync();

        // RFC 5321 §4.5.3.2.1: five minutes for the greeting, on the fake clock; the clock moves once the
        // client waits on it, first for mx1, then for mx2.
        Task waiting = _h.Time.TimerSetAsync(TimeSpan.FromMinutes(5));
        QueueId id = await _h.CommitAsync(Sender, Bob);
        await waiting;
        waiting = _h.Time.TimerSetAsync(TimeSpan.FromMinutes(5));
        _h.Time.Advance(TimeSpan.FromMinutes(5));
        await waiting;
        _h.Time.Advance(TimeSpan.FromMinutes(5));

        await _h.Handled.WaitAsync(id);
        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, status.State);
        Assert.Matches(@"^451 4\.4\.2 conversation with mx2\.example\.test\[127\.0\.0\.3\]:\d+ timed out while receiving the initial greeting", status.LastReply);
        Assert.Single(peers[0].Connections);
        Assert.Single(peers[1].Connections);
        Assert.Equal(1, status.Attempts);
    }

    [Theory]
    [InlineData("450 4.7.1 Error: too much mail from 127.0.0.1")]
    [InlineData("452 4.3.1 Insufficient system storage")]
    public async Task Mail4xx_DefersEveryRecipient(string refusal)
    {
        _h.StartPeers(new PeerScript { Mail = (_, _) => refusal }, "127.0.0.2");
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, Bob, new Mailbox("carol", "example.test"));
        await _h.Handled.WaitAsync(id);

        Assert.All((await _h.ReadAsync(id)).Recipients, r => Assert.Equal((RecipientState.Deferred, refusal), (r.State, r.LastReply)));
        Assert.Empty(_h.Reporter.Calls);
    }
}
