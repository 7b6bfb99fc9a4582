// Null MX checks (RFC 7505) against a real DNS server on loopback: 550 5.7.27, 556 5.1.10, 451 4.4.3 for a sender.
using Herald.Dns;
using Herald.Policy.Checks;
using Herald.Protocol.Addresses;
using Herald.TestSupport.Dns;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Checks;

public sealed class NullMxCheckTests : IAsyncLifetime
{
    private static readonly LocalDomains Local = new(["example.net"]);
    private static readonly Mailbox LocalRecipient = Clients.Mailbox("bob@example.net");
    private readonly FakeTimeProvider _time = TestClock.New();
    private LoopbackDnsServer _dns = null!;
    private IMxResolver _resolver = null!;

    public Task InitializeAsync()
    {
        _dns = LoopbackDnsServer.Start();
        _dns.AddNullMx("nomail.test")
            .AddMx("mail.test", 10, "mx.mail.test").AddA("mx.mail.test", "192.0.2.25")
            .AddA("implicit.test", "192.0.2.26")
            .AddServFail("broken.test");
        var options = new DnsOptions { Timeout = TimeSpan.FromSeconds(2), Retries = 0 };
        options.Servers.Add(_dns.ServerAddress);
        _resolver = new DnsMxResolver(options, _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    [Fact]
    public async Task Sender_NullMxDomain_Is550_5_7_27()
    {
        PolicyDecision decision = await SenderCheck().CheckAsync(Clients.Stranger(), Clients.Mailbox("alice@nomail.test"), default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 550, "5.7.27");
        Assert.Equal("<alice@nomail.test>: Sender address has null MX", decision.Reply!.Text);
        Assert.Equal("null-mx-sender", decision.Policy);
    }

    [Theory]
    [InlineData("alice@mail.test")]
    [InlineData("alice@implicit.test")]
    [InlineData("alice@does-not-exist.test")]
    public async Task Sender_NormalImplicitOrNonexistentDomain_IsDontKnow(string sender)
    {
        PolicyDecision decision = await SenderCheck().CheckAsync(Clients.Stranger(), Clients.Mailbox(sender), default);

        Assert.Equal(PolicyDecision.DontKnow, decision);
    }

    [Fact]
    public async Task Sender_DnsFailure_Is451_4_4_3_NeverA5xx()
    {
        PolicyDecision decision = await SenderCheck().CheckAsync(Clients.Stranger(), Clients.Mailbox("alice@broken.test"), default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 451, "4.4.3");
        Assert.StartsWith("<alice@broken.test>: ", decision.Reply!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sender_NullSender_IsDontKnow_WithoutAQuery()
    {
        Assert.Equal(PolicyDecision.DontKnow, await SenderCheck().CheckAsync(Clients.Stranger(), null, default));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task Sender_TrustedOrAuthenticatedClient_IsDontKnow_WithoutAQuery()
    {
        Assert.Equal(PolicyDecision.DontKnow, await SenderCheck().CheckAsync(Clients.Trusted(), Clients.Mailbox("alice@nomail.test"), default));
        Assert.Equal(PolicyDecision.DontKnow, await SenderCheck().CheckAsync(Clients.Authenticated(), Clients.Mailbox("alice@nomail.test"), default));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task Sender_LocalDomainOrAddressLiteral_IsDontKnow_WithoutAQuery()
    {
        Assert.Equal(PolicyDecision.DontKnow, await SenderCheck().CheckAsync(Clients.Stranger(), Clients.Mailbox("alice@example.net"), default));
        Assert.Equal(PolicyDecision.DontKnow, await SenderCheck().CheckAsync(Clients.Stranger(), Clients.Mailbox("alice@[192.0.2.1]"), default));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task Sender_CheckSwitchedOff_IsDontKnow_WithoutAQuery()
    {
        var check = new NullMxSenderCheck(new CheckOptions { RejectNullMxSender = false }, _resolver, Local);

        Assert.Equal(PolicyDecision.DontKnow, await check.CheckAsync(Clients.Stranger(), Clients.Mailbox("alice@nomail.test"), default));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task Recipient_NullMxDomain_WhenRelaying_Is556_5_1_10()
    {
        PolicyDecision decision = await RecipientCheck().CheckAsync(Clients.Authenticated(), null, Clients.Mailbox("carol@nomail.test"), default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 556, "5.1.10");
        Assert.Equal("<carol@nomail.test>: Recipient address has null MX", decision.Reply!.Text);
        Assert.Equal("null-mx-recipient", decision.Policy);
    }

    [Fact]
    public async Task Recipient_NullMxDomain_FromATrustedClient_Is556_5_1_10()
    {
        PolicyDecision decision = await RecipientCheck().CheckAsync(Clients.Trusted(), null, Clients.Mailbox("carol@nomail.test"), default);

        ReplyAssert.Is(decision.Reply!, 556, "5.1.10");
    }

    [Theory]
    [InlineData("carol@mail.test")]
    [InlineData("carol@implicit.test")]
    [InlineData("carol@does-not-exist.test")]
    public async Task Recipient_NormalImplicitOrNonexistentDomain_IsDontKnow(string recipient)
    {
        PolicyDecision decision = await RecipientCheck().CheckAsync(Clients.Trusted(), null, Clients.Mailbox(recipient), default);

        Assert.Equal(PolicyDecision.DontKnow, decision);
    }

    [Fact]
    public async Task Recipient_DnsFailure_RefusesNothing_DeliveryDefersIt()
    {
        PolicyDecision decision = await RecipientCheck().CheckAsync(Clients.Trusted(), null, Clients.Mailbox("carol@broken.test"), default);

        Assert.Equal(PolicyDecision.DontKnow, decision);
    }

    [Fact]
    public async Task Recipient_WithASmartHost_IsDontKnow_WithoutAQuery()
    {
        var check = new NullMxRecipientCheck(_resolver, Local, usesSmartHost: true);

        Assert.Equal(PolicyDecision.DontKnow, await check.CheckAsync(Clients.Trusted(), null, Clients.Mailbox("carol@nomail.test"), default));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task Recipient_LocalRecipient_IsDontKnow_WithoutAQuery()
    {
        Assert.Equal(PolicyDecision.DontKnow, await RecipientCheck().CheckAsync(Clients.Trusted(), null, LocalRecipient, default));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task Recipient_StrangerRelayAttempt_IsLeftToTheRelayCheck_WithoutAQuery()
    {
        Assert.Equal(PolicyDecision.DontKnow, await RecipientCheck().CheckAsync(Clients.Stranger(), null, Clients.Mailbox("carol@nomail.test"), default));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task Recipient_InTheRestrictionList_RunsBeforeTheRelayPermit()
    {
        var list = new RestrictionList([], [RecipientCheck(), new RelayCheck(Local)]);

        PolicyDecision relayed = await list.CheckRecipientAsync(Clients.Trusted(), null, Clients.Mailbox("carol@nomail.test"), default);
        PolicyDecision stranger = await list.CheckRecipientAsync(Clients.Stranger(), null, Clients.Mailbox("carol@nomail.test"), default);

        ReplyAssert.Is(relayed.Reply!, 556, "5.1.10");
        ReplyAssert.Is(stranger.Reply!, 554, "5.7.1");
    }

    private NullMxSenderCheck SenderCheck() => new(new CheckOptions { RejectNullMxSender = true }, _resolver, Local);

    private NullMxRecipientCheck RecipientCheck() => new(_resolver, Local);
}
