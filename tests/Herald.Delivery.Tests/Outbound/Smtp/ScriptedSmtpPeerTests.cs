// The scripted MX host itself, driven byte for byte: the replies a script gives, STARTTLS, and what the peer records.
using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Delivery.Tests.Outbound.Smtp;

public sealed class ScriptedSmtpPeerTests
{
    [Fact]
    public async Task Commands_AreRecordedPerConnection_AndOverAllConnectionsInOrder()
    {
        await using ScriptedSmtpPeer peer = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript(), "mx.peer.test");

        await using (SmtpTestClient first = (await SmtpTestClient.ConnectAndGreetAsync(peer.EndPoint)).Client)
        {
            ReplyAssert.Is(await first.CommandAsync("EHLO one.test"), 250);
            ReplyAssert.Is(await first.CommandAsync("QUIT"), 221, "2.0.0");
            Assert.True(await first.WaitForCloseAsync());
        }

        (SmtpTestClient second, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(peer.EndPoint);
        await using (second)
        {
            Assert.Equal("220 mx.peer.test ESMTP scripted", greeting.ToString());
            ReplyAssert.Is(await second.CommandAsync("HELO two.test"), 250);
            ReplyAssert.Is(await second.CommandAsync("NOOP"), 250, "2.0.0");
        }

        await peer.Connections[1].Closed.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(["EHLO one.test", "QUIT"], peer.Connections[0].Commands);
        Assert.Equal(["HELO two.test", "NOOP"], peer.Connections[1].Commands);
        Assert.Equal(["EHLO one.test", "QUIT", "HELO two.test", "NOOP"], peer.Commands);
    }

    [Fact]
    public async Task AGreetingThatCloses_IsAllTheClientGets()
    {
        await using ScriptedSmtpPeer peer = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript
        {
            Greeting = c => new PeerReply($"421 4.3.2 {c.HostName} Service not available", PeerAction.Close),
        });

        (SmtpTestClient client, SmtpReply greeting) = await SmtpTestClient.ConnectAndGreetAsync(peer.EndPoint);
        await using (client)
        {
            Assert.Equal("421 4.3.2 peer.test Service not available", greeting.ToString());
            Assert.True(await client.WaitForCloseAsync());
        }
    }

    [Fact]
    public async Task ScriptedReplies_ForRsetNoopQuitAndOtherCommands()
    {
        await using ScriptedSmtpPeer peer = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript
        {
            Rset = _ => "421 4.3.2 Shutting down",
            Noop = _ => "250 2.0.0 Still here",
            Quit = c => new PeerReply($"221 2.0.0 {c.HostName} closing", PeerAction.Close),
            Other = (_, line) => line.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase)
                ? "235 2.7.0 Authentication successful"
                : "502 5.5.1 Error: command not implemented",
        });
        (SmtpTestClient client, _) = await SmtpTestClient.ConnectAndGreetAsync(peer.EndPoint);
        await using (client)
        {
            ReplyAssert.Is(await client.CommandAsync("AUTH PLAIN AGFsaWNlAHNlY3JldA=="), 235, "2.7.0");
            ReplyAssert.Is(await client.CommandAsync("VRFY bob"), 502, "5.5.1");
            ReplyAssert.Is(await client.CommandAsync("RSET"), 421, "4.3.2");
            Assert.Equal("250 2.0.0 Still here", (await client.CommandAsync("NOOP")).ToString());
            Assert.Equal("221 2.0.0 peer.test closing", (await client.CommandAsync("QUIT")).ToString());
            Assert.True(await client.WaitForCloseAsync());
        }

        // Without a script for it, an unknown command is 500, and so is STARTTLS without a certificate.
        await using ScriptedSmtpPeer plain = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript());
        (SmtpTestClient other, _) = await SmtpTestClient.ConnectAndGreetAsync(plain.EndPoint);
        await using (other)
        {
            ReplyAssert.Is(await other.CommandAsync("VRFY bob"), 500, "5.5.2");
            ReplyAssert.Is(await other.CommandAsync("STARTTLS"), 500, "5.5.2");
        }
    }

    [Fact]
    public async Task StartTls_WithACertificate_UpgradesTheConnection_AndStopsOfferingIt()
    {
        using var certificate = TestCertificates.SelfSigned("mx.peer.test");
        await using ScriptedSmtpPeer peer = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript { Certificate = certificate }, "mx.peer.test");
        (SmtpTestClient client, _) = await SmtpTestClient.ConnectAndGreetAsync(peer.EndPoint);
        await using (client)
        {
            Assert.Contains("STARTTLS", (await client.CommandAsync("EHLO client.test")).Lines);
            ReplyAssert.Is(await client.CommandAsync("STARTTLS"), 220, "2.0.0");
            await client.StartTlsAsync("mx.peer.test");
            Assert.DoesNotContain("STARTTLS", (await client.CommandAsync("EHLO client.test")).Lines);
            Assert.True(peer.Connections[0].IsTls);
            Assert.Equal("CN=mx.peer.test", client.Tls!.RemoteCertificate!.Subject);
        }
    }

    [Fact]
    public async Task StartTls_RefusedByTheScript_StaysInClearText()
    {
        using var certificate = TestCertificates.SelfSigned("mx.peer.test");
        await using ScriptedSmtpPeer peer = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript
        {
            Certificate = certificate,
            StartTls = _ => "454 4.7.0 TLS not available due to temporary reason",
        });
        (SmtpTestClient client, _) = await SmtpTestClient.ConnectAndGreetAsync(peer.EndPoint);
        await using (client)
        {
            ReplyAssert.Is(await client.CommandAsync("STARTTLS"), 454, "4.7.0");
            ReplyAssert.Is(await client.CommandAsync("MAIL FROM:<alice@herald.test>"), 250, "2.1.0");
            Assert.False(peer.Connections[0].IsTls);
        }
    }
}
