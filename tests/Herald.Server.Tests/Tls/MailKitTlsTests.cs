using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Herald.Server.Tests.Tls;

/// <summary>Real TLS handshakes and AUTH with MailKit, in both of its TLS modes.</summary>
public sealed class MailKitTlsTests
{
    private static readonly Dictionary<string, string> Users = new() { ["u"] = "p" };

    [Fact]
    public async Task MailKit_StartTlsThenAuth_Relays()
    {
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("Listeners:0:RequireAuth", "true")), tls: true, users: Users);
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, LocalDomain = "client.example" };
        await client.ConnectAsync(server.Endpoint.Address.ToString(), server.Endpoint.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        await client.AuthenticateAsync("u", "p");
        string response = await client.SendAsync(Message("someone@remote.test"));
        Assert.StartsWith("2.0.0 Ok: queued as ", response, StringComparison.Ordinal);
        await client.DisconnectAsync(quit: true);
        Assert.Equal("u", Assert.Single(await server.QueuedAsync()).Envelope.Client.AuthenticatedAs);
    }

    [Fact]
    public async Task MailKit_SslOnConnect_AgainstAnImplicitTlsListener()
    {
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("Listeners:0:ImplicitTls", "true"), ("Listeners:0:RequireAuth", "true")), tls: true, users: Users);
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, LocalDomain = "client.example" };
        await client.ConnectAsync(server.Endpoint.Address.ToString(), server.Endpoint.Port, SecureSocketOptions.SslOnConnect);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync(new SaslMechanismLogin("u", "p"));
        await client.SendAsync(Message("bob@localhost"));
        await client.DisconnectAsync(quit: true);
        Assert.Single(await server.QueuedAsync());
    }

    [Fact]
    public async Task MailKit_WrongPassword_IsRefusedWith535()
    {
        await using TestServer server = await TestServer.StartAsync(
            TestServer.Settings(("Listeners:0:RequireAuth", "true")), tls: true, users: Users);
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync(server.Endpoint.Address.ToString(), server.Endpoint.Port, SecureSocketOptions.StartTls);
        AuthenticationException error = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("u", "wrong"));
        Assert.Contains("Authentication credentials invalid", error.Message, StringComparison.Ordinal);
    }

    private static MimeMessage Message(string to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("u@localhost"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "over TLS";
        message.Body = new TextPart("plain") { Text = "secret" };
        return message;
    }
}
