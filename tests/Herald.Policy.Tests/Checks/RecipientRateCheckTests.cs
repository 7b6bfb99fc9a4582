// The recipient rate at RCPT: 450 4.7.1 "too many recipients from <ip>", counted across sessions.
using Herald.Policy.Checks;
using Herald.Policy.Rates;
using Herald.Policy.Tests.Rates;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Checks;

public sealed class RecipientRateCheckTests
{
    private readonly FakeTimeProvider _time = TestClock.New();

    [Fact]
    public async Task OverTheLimit_Is450_4_7_1_NamingTheClient()
    {
        RecipientRateCheck check = Check(recipientsPerMinute: 2);
        await check.CheckAsync(Clients.Stranger("2001:db8::5"), null, Clients.Mailbox("a@example.net"), default);
        await check.CheckAsync(Clients.Stranger("2001:db8::5"), null, Clients.Mailbox("b@example.net"), default);

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger("2001:db8::5"), null, Clients.Mailbox("c@example.net"), default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 450, "4.7.1");
        Assert.Equal("Error: too many recipients from 2001:db8::5", decision.Reply!.Text);
    }

    [Fact]
    public async Task ANewSession_DoesNotResetTheCount()
    {
        RecipientRateCheck check = Check(recipientsPerMinute: 1);
        await check.CheckAsync(Clients.Stranger(), null, Clients.Mailbox("a@example.net"), default);

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), null, Clients.Mailbox("a@example.net"), default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
    }

    [Fact]
    public async Task TrustedClients_AreNotCounted()
    {
        RecipientRateCheck check = Check(recipientsPerMinute: 1);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Trusted(), null, Clients.Mailbox("a@example.net"), default)).Verdict);
        }
    }

    [Fact]
    public async Task Zero_IsOff()
    {
        RecipientRateCheck check = Check(recipientsPerMinute: 0);

        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), null, Clients.Mailbox("a@example.net"), default)).Verdict);
        }
    }

    [Fact]
    public async Task CounterUnavailable_Is451_4_3_0_NamingTheRecipient_AndTheSessionStays()
    {
        var check = new RecipientRateCheck(new RateLimitOptions { RecipientsPerMinute = 5 }, new UnavailableRateCounter());

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), null, Clients.Mailbox("a@example.net"), default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 451, "4.3.0");
        Assert.Equal("<a@example.net>: Temporary lookup failure, try again later", decision.Reply!.Text);
        Assert.Equal("recipient-rate", decision.Policy);
    }

    private RecipientRateCheck Check(int recipientsPerMinute) =>
        new(new RateLimitOptions { RecipientsPerMinute = recipientsPerMinute }, new InMemoryRateCounter(_time));
}
