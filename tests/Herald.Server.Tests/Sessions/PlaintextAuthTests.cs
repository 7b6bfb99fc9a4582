using System.Text;
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Sessions;

/// <summary>RFC 4954 §4: credentials only inside TLS, on every listener, unless a listener allows plain text.</summary>
public sealed class PlaintextAuthTests
{
    private static readonly Dictionary<string, string> Users = new() { ["u@herald.test"] = "p4ssw0rd" };

    [Fact]
    public async Task AnMxListenerWithUsers_OffersAuthOnlyAfterStartTls_AndRefusesItBefore_538_5_7_11()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("LocalDomains:0", "herald.test")), tls: true, users: Users);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;

        SmtpReply clear = await client.CommandAsync("EHLO client.example");
        Assert.DoesNotContain(clear.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        SmtpReply refused = await client.CommandAsync("AUTH PLAIN " + Plain("u@herald.test", "p4ssw0rd"));
        ReplyAssert.Is(refused, 538, "5.7.11");
        Assert.Equal("Encryption required for requested authentication mechanism", refused.Text);

        await client.CommandAsync("STARTTLS");
        await client.StartTlsAsync();
        Assert.Contains("AUTH PLAIN LOGIN", (await client.CommandAsync("EHLO client.example")).Lines);
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("u@herald.test", "p4ssw0rd")), 235, "2.7.0");
    }

    [Fact]
    public async Task WithoutTlsAtAll_AuthIsNeverOffered_AndRefused()
    {
        await using TestServer server = await TestServer.StartAsync(users: Users);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;

        Assert.DoesNotContain((await client.CommandAsync("EHLO client.example")).Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        ReplyAssert.Is(await client.CommandAsync("AUTH LOGIN"), 538, "5.7.11");
    }

    [Fact]
    public async Task AllowPlaintextAuth_OffersAndAcceptsAuthInTheClear()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Listeners:0:AllowPlaintextAuth", "true")), users: Users);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;

        Assert.Contains("AUTH PLAIN LOGIN", (await client.CommandAsync("EHLO client.example")).Lines);
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("u@herald.test", "p4ssw0rd")), 235, "2.7.0");
    }

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
}
