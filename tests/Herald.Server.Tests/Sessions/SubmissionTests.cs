using System.Text;
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Sessions;

/// <summary>A port-587-style listener: TLS, then AUTH, then relaying.</summary>
public sealed class SubmissionTests
{
    private static readonly Dictionary<string, string> Users = new() { ["u@herald.test"] = "p4ssw0rd", ["plain"] = "secret" };

    private static IEnumerable<KeyValuePair<string, string?>> Submission(params (string, string)[] more) =>
        TestServer.Settings([("Listeners:0:RequireAuth", "true"), ("LocalDomains:0", "herald.test"), .. more]);

    [Fact]
    public async Task SubmissionListener_RequiresTlsThenAuth_ThenRelays()
    {
        await using TestServer server = await TestServer.StartAsync(Submission(), tls: true, users: Users);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        SmtpReply ehlo = await client.CommandAsync("EHLO client.example");
        Assert.DoesNotContain(ehlo.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));

        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<u@herald.test>"), 530, "5.7.0");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("u@herald.test", "p4ssw0rd")), 538, "5.7.11");

        await client.CommandAsync("STARTTLS");
        await client.StartTlsAsync();
        SmtpReply inside = await client.CommandAsync("EHLO client.example");
        Assert.Contains("AUTH PLAIN LOGIN", inside.Lines);

        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<u@herald.test>"), 530, "5.7.0");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("u@herald.test", "wrong")), 535, "5.7.8");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("u@herald.test", "p4ssw0rd")), 235, "2.7.0");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("u@herald.test", "p4ssw0rd")), 503, "5.5.1");

        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<u@herald.test>"), 250, "2.1.0");
        ReplyAssert.Is(await client.CommandAsync("RCPT TO:<someone@remote.test>"), 250, "2.1.5");
        ReplyAssert.Is(await client.CommandAsync("DATA"), 354);
        ReplyAssert.Is(await client.CommandAsync("Subject: relayed\r\n\r\n."), 250, "2.0.0");
        var queued = Assert.Single(await server.QueuedAsync());
        Assert.Equal("u@herald.test", queued.Envelope.Client.AuthenticatedAs);
        Assert.Contains(" with ESMTPSA id ", await server.ContentAsync(queued.Id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthLogin_WorksStepByStep_AndStarAborts()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Listeners:0:AllowPlaintextAuth", "true")), users: Users);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        Assert.Contains("AUTH PLAIN LOGIN", (await client.CommandAsync("EHLO client.example")).Lines);

        SmtpReply username = await client.CommandAsync("AUTH LOGIN");
        ReplyAssert.Is(username, 334);
        Assert.Equal("VXNlcm5hbWU6", username.Text);
        ReplyAssert.Is(await client.CommandAsync("*"), 501, "5.7.0");

        ReplyAssert.Is(await client.CommandAsync("AUTH LOGIN"), 334);
        ReplyAssert.Is(await client.CommandAsync(B64("plain")), 334);
        ReplyAssert.Is(await client.CommandAsync(B64("secret")), 235, "2.7.0");
    }

    [Fact]
    public async Task AuthPlainWithoutInitialResponse_AndGarbage()
    {
        await using TestServer server = await TestServer.StartAsync(TestServer.Settings(("Listeners:0:AllowPlaintextAuth", "true")), users: Users);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("AUTH CRAM-MD5"), 504, "5.5.4");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN"), 334);
        ReplyAssert.Is(await client.CommandAsync("%%% not base64"), 501, "5.5.2");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN"), 334);
        ReplyAssert.Is(await client.CommandAsync(Plain("plain", "secret")), 235, "2.7.0");
    }

    [Fact]
    public async Task RestrictSender_AnAuthenticatedUserMayOnlySendAsItself()
    {
        await using TestServer server = await TestServer.StartAsync(
            Submission(("Submission:RestrictSender", "true"), ("Listeners:0:AllowPlaintextAuth", "true")), users: Users);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("u@herald.test", "p4ssw0rd")), 235, "2.7.0");
        SmtpReply refused = await client.CommandAsync("MAIL FROM:<boss@herald.test>");
        ReplyAssert.Is(refused, 553, "5.7.1");
        ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<U@Herald.Test>"), 250, "2.1.0");
    }

    [Fact]
    public async Task TooManyAuthFailures_Get421_4_7_0_AndClose()
    {
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("Listeners:0:AllowPlaintextAuth", "true"), ("RateLimits:AuthFailuresPerMinute", "2")), users: Users);
        await using SmtpTestClient client = (await SmtpTestClient.ConnectAndGreetAsync(server.Endpoint)).Client;
        await client.CommandAsync("EHLO client.example");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("plain", "guess1")), 535, "5.7.8");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("plain", "guess2")), 535, "5.7.8");
        ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN " + Plain("plain", "guess3")), 535, "5.7.8");
        ReplyAssert.Is(await client.ReadReplyAsync(), 421, "4.7.0");
        Assert.True(await client.WaitForCloseAsync());
    }

    private static string Plain(string user, string password) => B64("\0" + user + "\0" + password);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
