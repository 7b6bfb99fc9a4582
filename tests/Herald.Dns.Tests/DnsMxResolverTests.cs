// Tests of MX, null MX, implicit MX, failures and caching, against a DNS server on 127.0.0.1.
using System.Net;
using System.Net.Sockets;
using Herald.TestSupport.Dns;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Dns.Tests;

public sealed class DnsMxResolverTests : IAsyncLifetime
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private LoopbackDnsServer dns = null!;

    public Task InitializeAsync()
    {
        dns = LoopbackDnsServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await dns.DisposeAsync();

    [Fact]
    public async Task ResolveMx_TwoHostsWithDifferentPreferences_ComeBackSorted()
    {
        dns.AddMx("example.test", 20, "mx2.example.test").AddMx("example.test", 10, "mx1.example.test");

        var result = await Resolver().ResolveMxAsync("example.test", default);

        var found = Assert.IsType<MxResolution.Found>(result);
        Assert.False(found.IsImplicit);
        Assert.Equal([new MxHost("mx1.example.test", 10), new MxHost("mx2.example.test", 20)], found.Hosts);
    }

    [Fact]
    public async Task ResolveMx_EqualPreferences_BothOrdersOccur()
    {
        dns.AddMx("example.test", 10, "a.example.test").AddMx("example.test", 10, "b.example.test");
        var resolver = Resolver(new Random(7));

        var orders = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var found = Assert.IsType<MxResolution.Found>(await resolver.ResolveMxAsync("example.test", default));
            orders.Add(string.Join(',', found.Hosts.Select(h => h.Name)));
        }

        Assert.Equal(["a.example.test,b.example.test", "b.example.test,a.example.test"], orders.Order());

        // The shuffle is made per resolution, also from the cache: one query served all 50.
        Assert.Equal(1, dns.QueryCount("example.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task ResolveMx_NullMx_IsNullMx()
    {
        dns.AddNullMx("nomail.test").AddA("nomail.test", "192.0.2.1");

        var result = await Resolver().ResolveMxAsync("nomail.test", default);

        Assert.IsType<MxResolution.NullMx>(result);

        // RFC 7505: the A record must not turn into an implicit MX.
        Assert.Equal(0, dns.QueryCount("nomail.test", DnsRecordType.A));
    }

    [Fact]
    public async Task ResolveMx_RootTargetWithNonZeroPreference_IsNullMx()
    {
        dns.AddMx("nomail.test", 10, ".");

        Assert.IsType<MxResolution.NullMx>(await Resolver().ResolveMxAsync("nomail.test", default));
    }

    [Fact]
    public async Task ResolveMx_NullMxMixedWithRealHost_UsesTheRealHost()
    {
        dns.AddNullMx("mixed.test").AddMx("mixed.test", 10, "mx.mixed.test");

        var found = Assert.IsType<MxResolution.Found>(await Resolver().ResolveMxAsync("mixed.test", default));

        Assert.Equal([new MxHost("mx.mixed.test", 10)], found.Hosts);
    }

    [Fact]
    public async Task ResolveMx_OnlyARecord_GivesImplicitMxNamingTheDomain()
    {
        dns.AddA("plain.test", "192.0.2.10");

        var found = Assert.IsType<MxResolution.Found>(await Resolver().ResolveMxAsync("Plain.Test.", default));

        Assert.True(found.IsImplicit);
        Assert.Equal([new MxHost("plain.test", 0)], found.Hosts);
    }

    [Fact]
    public async Task ResolveMx_OnlyAaaaRecord_GivesImplicitMx()
    {
        dns.AddAaaa("plain6.test", "2001:db8::10");

        var found = Assert.IsType<MxResolution.Found>(await Resolver().ResolveMxAsync("plain6.test", default));

        Assert.True(found.IsImplicit);
        Assert.Equal("plain6.test", Assert.Single(found.Hosts).Name);
    }

    [Fact]
    public async Task ResolveMx_NxDomain_IsNoSuchDomain()
    {
        var result = await Resolver().ResolveMxAsync("nowhere.test", default);

        Assert.Equal(new MxResolution.NoSuchDomain(NoSuchDomainReason.NxDomain), result);
    }

    [Fact]
    public async Task ResolveMx_NameWithoutMxOrAddresses_IsNoSuchDomainForLackOfAddresses()
    {
        dns.AddTxt("textonly.test", "v=spf1 -all");

        var result = await Resolver().ResolveMxAsync("textonly.test", default);

        Assert.Equal(new MxResolution.NoSuchDomain(NoSuchDomainReason.NoAddressRecords), result);
    }

    [Fact]
    public async Task ResolveMx_ServFail_IsTemporaryFailure()
    {
        dns.AddServFail("broken.test");

        var failure = Assert.IsType<MxResolution.TemporaryFailure>(await Resolver().ResolveMxAsync("broken.test", default));

        Assert.Contains("SERVFAIL", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveMx_NoMxAndAddressLookupFails_IsTemporaryFailure()
    {
        // Without MX records the verdict rests on the address lookups; one that fails must
        // defer the mail, not bounce it as a domain without addresses.
        dns.AddTxt("flaky.test", "x").AddServFail("flaky.test", DnsRecordType.A);

        var failure = Assert.IsType<MxResolution.TemporaryFailure>(await Resolver().ResolveMxAsync("flaky.test", default));

        Assert.Contains("A lookup of flaky.test", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveMx_NoMxAndOnlyAaaaFails_StillFindsTheImplicitMx()
    {
        dns.AddA("half.test", "192.0.2.7").AddServFail("half.test", DnsRecordType.AAAA);

        var found = Assert.IsType<MxResolution.Found>(await Resolver().ResolveMxAsync("half.test", default));

        Assert.True(found.IsImplicit);
    }

    [Fact]
    public async Task ResolveMx_ServerThatNeverAnswers_IsTemporaryFailure()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = new DnsOptions { Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 };
        options.Servers.Add(silent.LocalEndPoint!.ToString()!);

        var result = await new DnsMxResolver(options, time).ResolveMxAsync("example.test", default);

        var failure = Assert.IsType<MxResolution.TemporaryFailure>(result);
        Assert.Contains("timed out", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveMx_NoReplyForName_IsTemporaryFailure()
    {
        dns.AddNoReply("slow.test");
        var options = Options();
        options.Timeout = TimeSpan.FromMilliseconds(300);

        var result = await new DnsMxResolver(options, time).ResolveMxAsync("slow.test", default);

        Assert.IsType<MxResolution.TemporaryFailure>(result);
        Assert.Equal(2, dns.QueryCount("slow.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task ResolveMx_TwiceWithinTtl_MakesOneQuery_AndAgainAfterTtl()
    {
        dns.AddMx("cached.test", 10, "mx.cached.test", ttl: 300);
        var resolver = Resolver();

        await resolver.ResolveMxAsync("cached.test", default);
        time.Advance(TimeSpan.FromSeconds(299));
        await resolver.ResolveMxAsync("CACHED.test", default);
        Assert.Equal(1, dns.QueryCount("cached.test"));

        time.Advance(TimeSpan.FromSeconds(1));
        await resolver.ResolveMxAsync("cached.test", default);
        Assert.Equal(2, dns.QueryCount("cached.test"));
    }

    [Fact]
    public async Task ResolveMx_TtlZero_IsNotCached()
    {
        dns.AddMx("fresh.test", 10, "mx.fresh.test", ttl: 0);
        var resolver = Resolver();

        await resolver.ResolveMxAsync("fresh.test", default);
        await resolver.ResolveMxAsync("fresh.test", default);

        Assert.Equal(2, dns.QueryCount("fresh.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task ResolveMx_TtlOverMaxCacheTime_IsCappedAtIt()
    {
        dns.AddMx("long.test", 10, "mx.long.test", ttl: 86400);
        var options = Options();
        options.MaxCacheTime = TimeSpan.FromMinutes(10);
        var resolver = new DnsMxResolver(options, time);

        await resolver.ResolveMxAsync("long.test", default);
        time.Advance(TimeSpan.FromMinutes(10));
        await resolver.ResolveMxAsync("long.test", default);

        Assert.Equal(2, dns.QueryCount("long.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task ResolveMx_NxDomain_IsCachedForTheSoaMinimum()
    {
        dns.NegativeTtl = 30;
        var resolver = Resolver();

        await resolver.ResolveMxAsync("gone.test", default);
        await resolver.ResolveMxAsync("gone.test", default);
        Assert.Equal(1, dns.QueryCount("gone.test"));

        time.Advance(TimeSpan.FromSeconds(30));
        await resolver.ResolveMxAsync("gone.test", default);
        Assert.Equal(2, dns.QueryCount("gone.test"));
    }

    [Fact]
    public async Task ResolveMx_ServFail_IsRememberedOnlyForTheFailureCacheTime()
    {
        dns.AddServFail("broken.test");
        var options = Options();
        options.FailureCacheTime = TimeSpan.FromSeconds(5);
        options.Retries = 0;
        var resolver = new DnsMxResolver(options, time);

        await resolver.ResolveMxAsync("broken.test", default);
        await resolver.ResolveMxAsync("broken.test", default);
        Assert.Equal(1, dns.QueryCount("broken.test", DnsRecordType.MX));

        time.Advance(TimeSpan.FromSeconds(5));
        await resolver.ResolveMxAsync("broken.test", default);
        Assert.Equal(2, dns.QueryCount("broken.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task ResolveMx_FailureCacheTimeZero_AsksEveryTime()
    {
        dns.AddServFail("broken.test");
        var options = Options();
        options.FailureCacheTime = TimeSpan.Zero;
        options.Retries = 0;
        var resolver = new DnsMxResolver(options, time);

        await resolver.ResolveMxAsync("broken.test", default);
        await resolver.ResolveMxAsync("broken.test", default);

        Assert.Equal(2, dns.QueryCount("broken.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task ResolveMx_FullCache_KeepsAnsweringWithoutGrowing()
    {
        dns.AddMx("one.test", 10, "mx.one.test").AddMx("two.test", 10, "mx.two.test");
        var options = Options();
        options.MaxCacheEntries = 1;
        var resolver = new DnsMxResolver(options, time);

        await resolver.ResolveMxAsync("one.test", default);
        Assert.IsType<MxResolution.Found>(await resolver.ResolveMxAsync("two.test", default));
        await resolver.ResolveMxAsync("one.test", default);
        await resolver.ResolveMxAsync("two.test", default);

        Assert.Equal(1, dns.QueryCount("one.test"));
        Assert.Equal(2, dns.QueryCount("two.test"));
    }

    [Fact]
    public async Task ResolveMx_InternationalizedDomain_IsAskedInALabelForm()
    {
        dns.AddMx("xn--bcher-kva.test", 10, "mx.xn--bcher-kva.test");

        var found = Assert.IsType<MxResolution.Found>(await Resolver().ResolveMxAsync("Bücher.test", default));

        Assert.Equal("mx.xn--bcher-kva.test", Assert.Single(found.Hosts).Name);
        Assert.Equal(1, dns.QueryCount("xn--bcher-kva.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task ResolveMx_InvalidName_IsNoSuchDomainWithoutAQuery()
    {
        var result = await Resolver().ResolveMxAsync("bad..test", default);

        Assert.Equal(new MxResolution.NoSuchDomain(NoSuchDomainReason.InvalidName), result);
        Assert.Empty(dns.Queries);
    }

    [Fact]
    public async Task ResolveMx_DomainIsACname_FollowsIt()
    {
        dns.AddCname("alias.test", "real.test").AddMx("real.test", 5, "mx.real.test");

        var found = Assert.IsType<MxResolution.Found>(await Resolver().ResolveMxAsync("alias.test", default));

        Assert.Equal([new MxHost("mx.real.test", 5)], found.Hosts);
    }

    [Fact]
    public async Task ResolveMx_AnswerTooBigForUdp_IsFetchedOverTcp()
    {
        for (var i = 0; i < 40; i++)
        {
            dns.AddMx("big.test", i, $"mail-exchanger-{i:D2}.big.test");
        }

        var found = Assert.IsType<MxResolution.Found>(await Resolver().ResolveMxAsync("big.test", default));

        Assert.Equal(40, found.Hosts.Count);
        Assert.Equal("mail-exchanger-00.big.test", found.Hosts[0].Name);

        // One question over UDP (truncated), then the same over TCP.
        Assert.Equal(2, dns.QueryCount("big.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task ResolveMx_CallerCancels_Throws()
    {
        dns.AddNoReply("slow.test");
        var options = Options();
        options.Timeout = TimeSpan.FromSeconds(1);
        options.Retries = 0;
        using var cancel = new CancellationTokenSource();

        var lookup = new DnsMxResolver(options, time).ResolveMxAsync("slow.test", cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup);
    }

    [Fact]
    public async Task ResolveAddresses_MxHostWithBothFamilies_GivesIpv6ThenIpv4()
    {
        dns.AddMx("example.test", 10, "mx.example.test")
            .AddA("mx.example.test", "192.0.2.25")
            .AddAaaa("mx.example.test", "2001:db8::25");
        var resolver = Resolver();

        var mx = Assert.IsType<MxResolution.Found>(await resolver.ResolveMxAsync("example.test", default));
        var result = await resolver.ResolveAddressesAsync(mx.Hosts[0].Name, default);

        var found = Assert.IsType<AddressResolution.Found>(result);
        Assert.Equal([IPAddress.Parse("2001:db8::25"), IPAddress.Parse("192.0.2.25")], found.Addresses);
    }

    [Fact]
    public async Task ResolveAddresses_SeveralARecords_KeepsThemAll()
    {
        dns.AddA("mx.example.test", "192.0.2.1").AddA("mx.example.test", "192.0.2.2");

        var found = Assert.IsType<AddressResolution.Found>(await Resolver().ResolveAddressesAsync("mx.example.test", default));

        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2")], found.Addresses);
    }

    [Fact]
    public async Task ResolveAddresses_OneFamilyFails_StillGivesTheOther()
    {
        dns.AddA("mx.example.test", "192.0.2.1").AddServFail("mx.example.test", DnsRecordType.AAAA);
        var resolver = Resolver();

        var found = Assert.IsType<AddressResolution.Found>(await resolver.ResolveAddressesAsync("mx.example.test", default));

        Assert.Equal([IPAddress.Parse("192.0.2.1")], found.Addresses);
    }

    [Fact]
    public async Task ResolveAddresses_UnknownHost_IsNoSuchHost()
    {
        var result = await Resolver().ResolveAddressesAsync("ghost.example.test", default);

        Assert.Equal(new AddressResolution.NoSuchHost(NoSuchDomainReason.NxDomain), result);
    }

    [Fact]
    public async Task ResolveAddresses_HostWithoutAddresses_IsNoSuchHostForLackOfAddresses()
    {
        dns.AddMx("mx.example.test", 10, "elsewhere.test");

        var result = await Resolver().ResolveAddressesAsync("mx.example.test", default);

        Assert.Equal(new AddressResolution.NoSuchHost(NoSuchDomainReason.NoAddressRecords), result);
    }

    [Fact]
    public async Task ResolveAddresses_ServFail_IsTemporaryFailure()
    {
        dns.AddServFail("mx.example.test");

        Assert.IsType<AddressResolution.TemporaryFailure>(await Resolver().ResolveAddressesAsync("mx.example.test", default));
    }

    private DnsOptions Options()
    {
        var options = new DnsOptions { Timeout = TimeSpan.FromSeconds(2), Retries = 1 };
        options.Servers.Add(dns.ServerAddress);
        return options;
    }

    private DnsMxResolver Resolver(Random? random = null) => new(Options(), time, random ?? new Random(1));
}
