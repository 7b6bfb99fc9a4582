// The recipient and sender checks in the order the server should run them, as one restriction list.
using Herald.Dns;
using Herald.Policy.Checks;
using Herald.Policy.Greylisting;
using Herald.Policy.Rates;
using Herald.Policy.Resources;
using Herald.Protocol.Addresses;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests;

/// <summary>
/// Recipients: rate, null MX (relayed), relay, local users, greylisting. Senders: resources, rate, null MX.
/// The resolver here is a stub; the null MX checks meet a real DNS server in their own tests.
/// </summary>
public sealed class RestrictionOrderTests : IDisposable
{
    private static readonly LocalDomains Local = new(["example.net"]);
    private readonly FakeTimeProvider _time = TestClock.New();
    private readonly TempDirectory _directory = new();
    private readonly SqliteGreylistStore _store;
    private readonly RestrictionList _list;

    public RestrictionOrderTests()
    {
        _store = new SqliteGreylistStore(_directory.Path, _time);
        var counter = new InMemoryRateCounter(_time);
        var rates = new RateLimitOptions { MessagesPerMinute = 100, RecipientsPerMinute = 5 };
        var resolver = new StubResolver();
        _list = new RestrictionList(
            [
                new ResourceCheck(new ResourceMonitor(new ResourceLimitOptions(), new PlentyProbe(), _time, "mx.example.test")),
                new MessageRateCheck(rates, counter),
                new NullMxSenderCheck(new CheckOptions { RejectNullMxSender = true }, resolver, Local),
            ],
            [
                new RecipientRateCheck(rates, counter),
                new NullMxRecipientCheck(resolver, Local),
                new RelayCheck(Local),
                new LocalUserCheck(Local, ["bob@example.net"]),
                new GreylistCheck(new GreylistOptions { Enabled = true }, _store, _time, NullLogger<GreylistCheck>.Instance),
            ]);
    }

    public void Dispose()
    {
        _store.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task KnownLocalUser_FromAStranger_IsGreylisted()
    {
        PolicyDecision decision = await Recipient(Clients.Stranger(), "bob@example.net");

        ReplyAssert.Is(decision.Reply!, 451, "4.7.1");
    }

    [Fact]
    public async Task UnknownLocalUser_IsRefusedAtOnce_NotGreylisted()
    {
        PolicyDecision decision = await Recipient(Clients.Stranger(), "eve@example.net");

        ReplyAssert.Is(decision.Reply!, 550, "5.1.1");
        Assert.Empty(await _store.ListAsync(default));
    }

    [Fact]
    public async Task RelayAttemptByAStranger_IsRelayAccessDenied()
    {
        PolicyDecision decision = await Recipient(Clients.Stranger(), "carol@nomail.test");

        ReplyAssert.Is(decision.Reply!, 554, "5.7.1");
    }

    [Fact]
    public async Task RelayToANullMxDomain_ByAnAuthenticatedClient_Is556()
    {
        PolicyDecision decision = await Recipient(Clients.Authenticated(), "carol@nomail.test");

        ReplyAssert.Is(decision.Reply!, 556, "5.1.10");
    }

    [Fact]
    public async Task RelayByAnAuthenticatedClient_IsPermitted()
    {
        PolicyDecision decision = await Recipient(Clients.Authenticated(), "carol@mail.test");

        Assert.Equal(PolicyVerdict.Permit, decision.Verdict);
    }

    [Fact]
    public async Task RecipientRate_CountsRefusedRecipientsToo()
    {
        for (int i = 0; i < 5; i++)
        {
            await Recipient(Clients.Stranger(), $"nobody{i}@example.net");
        }

        PolicyDecision decision = await Recipient(Clients.Stranger(), "bob@example.net");

        ReplyAssert.Is(decision.Reply!, 450, "4.7.1");
    }

    [Fact]
    public async Task NullMxSender_FromAStranger_Is550_5_7_27()
    {
        PolicyDecision decision = await _list.CheckSenderAsync(Clients.Stranger(), Clients.Mailbox("alice@nomail.test"), default);

        ReplyAssert.Is(decision.Reply!, 550, "5.7.27");
    }

    private Task<PolicyDecision> Recipient(ClientContext client, string recipient) =>
        _list.CheckRecipientAsync(client, Clients.Mailbox("alice@mail.test"), Clients.Mailbox(recipient), default).AsTask();

    private sealed class StubResolver : IMxResolver
    {
        public Task<MxResolution> ResolveMxAsync(string domain, CancellationToken cancellationToken) =>
            Task.FromResult<MxResolution>(domain == "nomail.test"
                ? new MxResolution.NullMx()
                : new MxResolution.Found([new MxHost("mx." + domain, 10)], IsImplicit: false));

        public Task<AddressResolution> ResolveAddressesAsync(string host, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private sealed class PlentyProbe : IResourceProbe
    {
        public long? FreeDiskBytes() => long.MaxValue;

        public long MemoryBytes() => 0;
    }
}
