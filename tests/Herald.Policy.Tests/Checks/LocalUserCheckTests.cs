// Unknown local users get 550 5.1.1; known ones get "don't know" so later checks still run.
using Herald.Policy.Checks;
using Herald.Protocol.Addresses;
using Herald.TestSupport.Smtp;

namespace Herald.Policy.Tests.Checks;

public sealed class LocalUserCheckTests
{
    private static readonly LocalDomains Local = new(["example.net"]);

    [Fact]
    public async Task UnknownUser_Is550_5_1_1()
    {
        var check = new LocalUserCheck(Local, ["bob@example.net"]);

        PolicyDecision decision = await check.CheckAsync(Clients.Stranger(), null, Clients.Mailbox("eve@example.net"), default);

        ReplyAssert.Is(decision.Reply!, 550, "5.1.1");
        Assert.Equal("<eve@example.net>: Recipient address rejected: User unknown", decision.Reply!.Text);
    }

    [Theory]
    [InlineData("bob@example.net")]
    [InlineData("BOB@Example.NET")]
    [InlineData("postmaster@example.net")]
    public async Task KnownUserAndPostmaster_AreDontKnow_SoLaterChecksRun(string recipient)
    {
        var check = new LocalUserCheck(Local, ["bob@example.net"]);

        Assert.Equal(PolicyDecision.DontKnow, await check.CheckAsync(Clients.Stranger(), null, Clients.Mailbox(recipient), default));
    }

    [Fact]
    public async Task NoUserList_AcceptsAnyLocalPart()
    {
        var check = new LocalUserCheck(Local, []);

        Assert.Equal(PolicyDecision.DontKnow, await check.CheckAsync(Clients.Stranger(), null, Clients.Mailbox("anyone@example.net"), default));
    }
}
