// The message rate at MAIL: 450 4.7.1 "too much mail from <ip>", trusted clients exempt.
using Herald.Policy.Checks;
using Herald.Policy.Rates;
using Herald.Policy.Tests.Rates;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests.Checks;

public sealed class MessageRateCheckTests
{
    private readonly FakeTimeProvider _time = TestClock.New();

    [Fact]
    public async Task OverTheLimit_Is450_4_7_1_NamingTheClient()
    {
        MessageRateCheck check = Check(messagesPerMinute: 2);
        ClientContext client = Clients.Stranger("192.0.2.5");
        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(client, Clients.Mailbox("a@example.org"), default)).Verdict);
        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(client, null, default)).Verdict);

        PolicyDecision decision = await check.CheckAsync(client, Clients.Mailbox("a@example.org"), default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 450, "4.7.1");
        Assert.Equal("Error: too much mail from 192.0.2.5", decision.Reply!.Text);
        Assert.Equal("message-rate", decision.Policy);
    }

    [Fact]
    public async Task AfterTheWindow_AcceptsAgain()
    {
        MessageRateCheck check = Check(messagesPerMinute: 1);
        ClientContext client = Clients.Stranger();
        await check.CheckAsync(client, null, default);
        Assert.Equal(PolicyVerdict.Reject, (await check.CheckAsync(client, null, default)).Verdict);

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(client, null, default)).Verdict);
    }

    [Fact]
    public async Task TrustedClients_AreNotCounted()
    {
        MessageRateCheck check = Check(messagesPerMinute: 1);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Trusted(), null, default)).Verdict);
        }
    }

    [Fact]
    public async Task Zero_IsOff()
    {
        MessageRateCheck check = Check(messagesPerMinute: 0);

        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Stranger(), null, default)).Verdict);
        }
    }

    [Fact]
    public async Task CounterUnavailable_Is451_4_3_0_NamingTheSender_AndTheSessionStays()
    {
        var check = new MessageRateCheck(new RateLimitOptions { MessagesPerMinute = 5 }, new UnavailableRateCounter());

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), Clients.Mailbox("a@example.org"), default);
        PolicyDecision nullSender = await check.CheckAsync(Clients.Stranger(), null, default);

        Assert.Equal(PolicyVerdict.Reject, decision.Verdict);
        ReplyAssert.Is(decision.Reply!, 451, "4.3.0");
        Assert.Equal("<a@example.org>: Temporary lookup failure, try again later", decision.Reply!.Text);
        Assert.StartsWith("<>: ", nullSender.Reply!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CounterUnavailable_TrustedClientsAreNotAsked()
    {
        var check = new MessageRateCheck(new RateLimitOptions { MessagesPerMinute = 5 }, new UnavailableRateCounter());

        Assert.Equal(PolicyVerdict.DontKnow, (await check.CheckAsync(Clients.Trusted(), null, default)).Verdict);
    }

    private MessageRateCheck Check(int messagesPerMinute) =>
        new(new RateLimitOptions { MessagesPerMinute = messagesPerMinute }, new InMemoryRateCounter(_time));
}
