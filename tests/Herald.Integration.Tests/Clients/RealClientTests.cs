using Herald.TestSupport.Processes;
using MailKit.Net.Smtp;
using MimeKit;

namespace Herald.Integration.Tests.Clients;

/// <summary>Real SMTP clients send real messages through the real process into Maildir.</summary>
public sealed class RealClientTests
{
    [Fact]
    public async Task Swaks_DeliversIntoMaildir()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        CommandResult swaks = await ExternalCommand.RunAsync("swaks",
        [
            "--server", $"127.0.0.1:{herald.Port}", "--from", "alice@example.org", "--to", "user@localhost",
            "--header", "Subject: from swaks", "--body", "Sent by swaks.", "--helo", "client.example",
        ]);
        Assert.True(swaks.ExitCode == 0, swaks.ToString());
        Assert.Contains("<-  250 2.0.0 Ok: queued as ", swaks.StandardOutput, StringComparison.Ordinal);

        string file = Assert.Single(await herald.WaitForDeliveryAsync("localhost", "user"));
        string content = await File.ReadAllTextAsync(file);
        Assert.Contains("Subject: from swaks", content, StringComparison.Ordinal);
        Assert.Contains("Sent by swaks.", content, StringComparison.Ordinal);
        Assert.StartsWith("Return-Path: <alice@example.org>", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PythonSmtplib_DeliversIntoMaildir()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        string script = $$"""
            import smtplib
            from email.message import EmailMessage
            msg = EmailMessage()
            msg["From"] = "alice@example.org"
            msg["To"] = "bob@herald.test"
            msg["Subject"] = "from smtplib"
            msg.set_content("Sent by Python.\n.leading dot line\n")
            with smtplib.SMTP("127.0.0.1", {{herald.Port}}, local_hostname="client.example") as s:
                code, text = s.ehlo()
                assert code == 250, (code, text)
                assert s.has_extn("pipelining") and s.has_extn("enhancedstatuscodes") and s.has_extn("smtputf8")
                s.send_message(msg)
                code, text = s.noop()
                assert code == 250
            print("sent")
            """;
        CommandResult python = await ExternalCommand.RunAsync("python3", ["-c", script]);
        Assert.True(python.ExitCode == 0, python.ToString());

        string file = Assert.Single(await herald.WaitForDeliveryAsync("herald.test", "bob"));
        string content = await File.ReadAllTextAsync(file);
        Assert.Contains("Subject: from smtplib", content, StringComparison.Ordinal);
        Assert.Contains("\r\n.leading dot line\r\n", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKit_DeliversIntoMaildir_WithUtf8AndManyRecipients()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice", "alice@example.org"));
        message.To.Add(new MailboxAddress("Carol", "carol@localhost"));
        message.Cc.Add(new MailboxAddress("Dave", "dave@herald.test"));
        message.Subject = "مرحبا من MailKit";
        message.Body = new TextPart("plain") { Text = "Ünïcödé body.\n" };

        using (var client = new SmtpClient())
        {
            client.LocalDomain = "client.example";
            await client.ConnectAsync("127.0.0.1", herald.Port, MailKit.Security.SecureSocketOptions.None);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
            string response = await client.SendAsync(message);
            Assert.StartsWith("2.0.0 Ok: queued as ", response, StringComparison.Ordinal);
            await client.DisconnectAsync(quit: true);
        }

        string carol = Assert.Single(await herald.WaitForDeliveryAsync("localhost", "carol"));
        string dave = Assert.Single(await herald.WaitForDeliveryAsync("herald.test", "dave"));
        MimeMessage received = await MimeMessage.LoadAsync(carol);
        Assert.Equal("مرحبا من MailKit", received.Subject);
        Assert.Equal("Ünïcödé body.\n", received.TextBody!.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal((await MimeMessage.LoadAsync(dave)).MessageId, received.MessageId);
    }
}
