// Submission to a running server over SMTP, against a scripted peer: the exchange, refusals and the fallback signal.
using System.Net;
using System.Text;
using Herald.Cli.Sendmail;
using Herald.Protocol.Addresses;
using Herald.Server;
using Herald.TestSupport.Smtp;

namespace Herald.Cli.Tests.Sendmail;

public sealed class SmtpSubmissionTests
{
    private static readonly Mailbox Sender = Mailbox.Parse("alice@herald.test");

    [Fact]
    public async Task Accepted_SendsTheEnvelopeAndDotStuffedContent()
    {
        await using ScriptedSmtpPeer host = ScriptedSmtpPeer.Start("127.0.0.1", new PeerScript());
        byte[] content = Encoding.UTF8.GetBytes("Subject: dots\r\n\r\n.leading dot\r\nplain\r\n");

        SubmissionResult result = await SubmitAsync(host, [Mailbox.Parse("bob@herald.test"), Mailbox.Parse("carol@example.org")], content);

        Assert.Equal(0, result.ExitCode);
        PeerMessage message = Assert.Single(host.Messages);
        Assert.Equal("MAIL FROM:<alice@herald.test>", message.MailFrom);
        Assert.Equal(["RCPT TO:<bob@herald.test>", "RCPT TO:<carol@example.org>"], message.Recipients);
        Assert.Equal("Subject: dots\r\n\r\n.leading dot\r\nplain\r\n", message.Content);
        Assert.Equal("QUIT", host.Commands[^1]);
    }

    [Fact]
    public async Task EightBitContent_IsDeclaredWhereTheServerOffers8BitMime()
    {
        await using ScriptedSmtpPeer host = ScriptedSmtpPeer.Start("127.0.0.1", new PeerScript());

        SubmissionResult result = await SubmitAsync(host, [Mailbox.Parse("bob@herald.test")], Encoding.UTF8.GetBytes("Subject: é\r\n\r\nça va\r\n"), eightBit: true);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("MAIL FROM:<alice@herald.test> BODY=8BITMIME", Assert.Single(host.Messages).MailFrom);
    }

    [Fact]
    public async Task ARefusedRecipient_SendsNothing_AndIsPermanent()
    {
        await using ScriptedSmtpPeer host = ScriptedSmtpPeer.Start("127.0.0.1", new PeerScript
        {
            Rcpt = (_, _) => "554 5.7.1 <far@example.org>: Relay access denied",
        });

        SubmissionResult result = await SubmitAsync(host, [Mailbox.Parse("far@example.org")], Encoding.UTF8.GetBytes("Subject: x\r\n\r\nbody\r\n"));

        Assert.Equal(69, result.ExitCode);
        Assert.Contains("Relay access denied", result.Message, StringComparison.Ordinal);
        Assert.Empty(host.Messages);
        Assert.DoesNotContain("DATA", host.Commands);
    }

    [Fact]
    public async Task ATransientRefusal_IsTempFail()
    {
        await using ScriptedSmtpPeer host = ScriptedSmtpPeer.Start("127.0.0.1", new PeerScript
        {
            Mail = (_, _) => "452 4.3.1 Insufficient system storage",
        });

        SubmissionResult result = await SubmitAsync(host, [Mailbox.Parse("bob@herald.test")], Encoding.UTF8.GetBytes("Subject: x\r\n\r\nbody\r\n"));

        Assert.Equal(75, result.ExitCode);
        Assert.Empty(host.Messages);
    }

    [Fact]
    public async Task A421Greeting_SaysNothingBegan_SoTheQueueDirectoryMayTakeIt()
    {
        await using ScriptedSmtpPeer host = ScriptedSmtpPeer.Start("127.0.0.1", new PeerScript
        {
            Greeting = _ => new PeerReply("421 4.3.2 mx.herald.test Service not available - maintenance, try again later", PeerAction.Close),
        });

        SubmissionResult result = await SubmitAsync(host, [Mailbox.Parse("bob@herald.test")], Encoding.UTF8.GetBytes("Subject: x\r\n\r\nbody\r\n"));

        Assert.Null(result.ExitCode);
        Assert.Contains("421 4.3.2", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_IsTheFirstPlainListenerThatTakesMail_WildcardsReadAsLoopback()
    {
        var options = new ServerOptions();
        options.Listeners.Add(new ListenerOptions { Name = "decoy", Endpoint = "127.0.0.1:2526", AcceptMail = false });
        options.Listeners.Add(new ListenerOptions { Name = "submission", Endpoint = "127.0.0.1:2587", RequireAuth = true });
        options.Listeners.Add(new ListenerOptions { Name = "submissions", Endpoint = "127.0.0.1:2465", ImplicitTls = true });
        options.Listeners.Add(new ListenerOptions { Name = "mx", Endpoint = "0.0.0.0:2525" });

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2525), SmtpSubmission.EndpointOf(options));
    }

    private static Task<SubmissionResult> SubmitAsync(ScriptedSmtpPeer host, Mailbox[] recipients, byte[] content, bool eightBit = false) =>
        SmtpSubmission.SubmitAsync(host.EndPoint, "mx.herald.test", Sender, recipients, content, eightBit, TimeProvider.System, CancellationToken.None);
}
