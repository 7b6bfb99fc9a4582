using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.Policy;

public sealed class GreylistingTests
{
    private static IEnumerable<KeyValuePair<string, string?>> Greylisting() => TestServer.Settings(("Greylisting:Enabled", "true"));

    [Fact]
    public async Task FirstAttempt_Gets451_4_7_1_RetryAfterTheDelayPasses_AndTheTripletSurvivesARestart()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string dataDirectory = Directory.CreateTempSubdirectory("herald-greylist-").FullName;
        await using (TestServer server = await TestServer.StartAsync(Greylisting(), time, dataDirectory: dataDirectory))
        {
            await using SmtpTestClient client = await OpenTransactionAsync(server);
            SmtpReply first = await client.CommandAsync("RCPT TO:<bob@localhost>");
            ReplyAssert.Is(first, 451, "4.7.1");
            Assert.Equal("<bob@localhost>: Recipient address rejected: Greylisted, try again in 300 seconds", first.Text);

            time.Advance(TimeSpan.FromMinutes(2));
            SmtpReply tooSoon = await client.CommandAsync("RCPT TO:<bob@localhost>");
            ReplyAssert.Is(tooSoon, 451, "4.7.1");
            Assert.Contains("try again in 180 seconds", tooSoon.Text, StringComparison.Ordinal);

            time.Advance(TimeSpan.FromMinutes(4));
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250, "2.1.5");

            // Another recipient is another triplet.
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<carol@localhost>"), 451, "4.7.1");
        }

        // A new server over the same data directory remembers the triplet that passed.
        await using (TestServer restarted = await TestServer.StartAsync(Greylisting(), time, dataDirectory: dataDirectory))
        {
            await using SmtpTestClient client = await OpenTransactionAsync(restarted);
            ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250, "2.1.5");
        }
    }

    [Fact]
    public async Task TrustedClients_AreNotGreylisted()
    {
        await using TestServer server = await TestServer.StartAsync(
            Greylisting().Concat(TestServer.Settings(("TrustedNetworks:0", "127.0.0.0/8"))));
        await using SmtpTestClient client = await OpenTransactionAsync(server);
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<bob@localhost>"), 250, "2.1.5");
    }

    [Fact]
    public async Task UnknownUsers_Get550_NotAGreylisting451()
    {
        await using TestServer server = await TestServer.StartAsync(
            Greylisting().Concat(TestServer.Settings(("Users:0", "bob@localhost"))));
        await using SmtpTestClient client = await OpenTransactionAsync(server);
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<nobody@localhost>"), 550, "5.1.1");
    }

    private static async Task<SmtpTestClient> OpenTransactionAsync(TestServer server)
    {
        SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@example.org>"), 250, "2.1.0");
        return client;
    }
}
