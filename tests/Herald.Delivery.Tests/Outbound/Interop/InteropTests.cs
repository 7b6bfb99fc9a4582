// Outbound delivery to real SMTP servers: Postfix's smtp-sink and Python's aiosmtpd, both installed by .ci/run.
using System.Net;
using System.Text.Json;
using Herald.Delivery.Outbound;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.TestSupport.Processes;
using Herald.TestSupport.Smtp;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Tests.Outbound.Interop;

/// <summary>
/// These tests need the real programs and fail (never skip) when they are missing: CI installs them
/// (<c>postfix</c> for <c>/usr/sbin/smtp-sink</c>, <c>python3-aiosmtpd</c> for Debian's <c>/usr/bin/python3</c>).
/// </summary>
public sealed class InteropTests : IAsyncDisposable
{
    private const string SmtpSink = "/usr/sbin/smtp-sink";
    private const string DebianPython = "/usr/bin/python3";
    private const string Content = "Subject: interop\r\n\r\nfirst line\r\n.leading dot\r\n..two dots\r\n.\r\nlast line\r\n";
    private static readonly Mailbox Sender = new("alice", "herald.test");

    // A handler that prints each transaction as one JSON line: what the server was given, exactly.
    private const string Recorder = """
        import json

        class Recorder:
            async def handle_DATA(self, server, session, envelope):
                print(json.dumps({
                    "mail_from": envelope.mail_from,
                    "mail_options": envelope.mail_options,
                    "rcpt_tos": envelope.rcpt_tos,
                    "content": envelope.original_content.decode("utf-8", "replace"),
                    "tls": getattr(session, "ssl", None) is not None,
                }), flush=True)
                return "250 2.0.0 Ok: recorded"
        """;

    private readonly OutboundHarness _h = new();
    private readonly TempDirectory _work = new();

    public ValueTask DisposeAsync()
    {
        _work.Dispose();
        return _h.DisposeAsync();
    }

    [Fact]
    public async Task DeliversToPostfixSmtpSink()
    {
        Assert.True(File.Exists(SmtpSink), $"{SmtpSink} is missing: install the Debian package postfix (.ci/run does).");
        IPAddress address = IPAddress.Parse("127.0.0.8");
        int port = BackgroundProcess.FreePort(address);
        string dumps = Path.Combine(_work.Path, "sink");
        Directory.CreateDirectory(dumps);
        List<string> args = [];
        if (Environment.UserName == "root")
        {
            // smtp-sink refuses to run as root; it drops to nobody, who must be able to write the dumps.
            File.SetUnixFileMode(dumps, (UnixFileMode)0x1FF);
            args.AddRange(["-u", "nobody"]);
        }

        args.AddRange(["-h", "sink.test", "-d", Path.Combine(dumps, "%Y%m%d%H%M%S."), $"{address}:{port}", "10"]);
        await using BackgroundProcess sink = BackgroundProcess.Start(SmtpSink, args);
        await sink.WaitForListenerAsync(new IPEndPoint(address, port));

        _h.Dns.AddMx("sink.test", 10, "mx.sink.test").AddA("mx.sink.test", address.ToString());
        _h.Options.Port = port;
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, [new Mailbox("bob", "sink.test"), new Mailbox("carol", "sink.test")], Content);
        await _h.Handled.WaitAsync(id);

        Assert.False(await _h.IsQueuedAsync(id), sink.Output);
        string dump = File.ReadAllText(Assert.Single(Directory.GetFiles(dumps)));
        Assert.Contains("X-Helo-Args: herald.test", dump, StringComparison.Ordinal);
        Assert.Contains("X-Mail-Args: <alice@herald.test>", dump, StringComparison.Ordinal);
        Assert.Contains("X-Rcpt-Args: <bob@sink.test>", dump, StringComparison.Ordinal);
        Assert.Contains("X-Rcpt-Args: <carol@sink.test>", dump, StringComparison.Ordinal);

        // smtp-sink writes the message unstuffed, with LF line ends.
        Assert.Contains("first line\n.leading dot\n..two dots\n.\nlast line\n", dump, StringComparison.Ordinal);
        Assert.True(LogLines.Any(_h.Logger, LogLevel.Information, "to=<carol@sink.test>", "relay=mx.sink.test[127.0.0.8]", "status=sent"));
    }

    [Fact]
    public async Task SmtpSink421AfterData_IsDeferredAndPushesBack()
    {
        Assert.True(File.Exists(SmtpSink), $"{SmtpSink} is missing: install the Debian package postfix (.ci/run does).");
        IPAddress address = IPAddress.Parse("127.0.0.8");
        int port = BackgroundProcess.FreePort(address);
        List<string> args = Environment.UserName == "root" ? ["-u", "nobody"] : [];

        // -Q .: answer the end of data with 421 and disconnect.
        args.AddRange(["-Q", ".", $"{address}:{port}", "10"]);
        await using BackgroundProcess sink = BackgroundProcess.Start(SmtpSink, args);
        await sink.WaitForListenerAsync(new IPEndPoint(address, port));

        _h.Dns.AddMx("sink.test", 10, "mx.sink.test").AddA("mx.sink.test", address.ToString());
        _h.Options.Port = port;
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, [new Mailbox("bob", "sink.test")], Content);
        await _h.Handled.WaitAsync(id);

        RecipientStatus status = (await _h.ReadAsync(id)).Recipients[0];
        Assert.Equal(RecipientState.Deferred, status.State);
        Assert.StartsWith("421 ", status.LastReply, StringComparison.Ordinal);
        Assert.NotNull(await _h.Destinations.SuspendedUntilAsync("mx.sink.test", CancellationToken.None));
    }

    [Fact]
    public async Task DeliversToAiosmtpd_WithoutPipelining()
    {
        await using BackgroundProcess server = await StartAiosmtpdAsync("127.0.0.9", []);
        await _h.StartAsync();
        QueueId id = await _h.CommitAsync(Sender, [new Mailbox("bob", "aio.test"), new Mailbox("carol", "aio.test")], Content);
        await _h.Handled.WaitAsync(id);

        Assert.False(await _h.IsQueuedAsync(id), server.Output);
        JsonElement received = await ReceivedAsync(server);
        Assert.Equal("alice@herald.test", received.GetProperty("mail_from").GetString());
        Assert.Equal(["bob@aio.test", "carol@aio.test"], received.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Content, received.GetProperty("content").GetString());
    }

    [Fact]
    public async Task DeliversToAiosmtpd_OverRequiredStartTls_WithSmtpUtf8()
    {
        (string certificate, string key) = TestCertificates.SelfSignedPem("mx.aio.test");
        string certificateFile = Path.Combine(_work.Path, "cert.pem");
        string keyFile = Path.Combine(_work.Path, "key.pem");
        await File.WriteAllTextAsync(certificateFile, certificate);
        await File.WriteAllTextAsync(keyFile, key);
        await using BackgroundProcess server = await StartAiosmtpdAsync("127.0.0.10", ["--smtputf8", "--tlscert", certificateFile, "--tlskey", keyFile, "--no-requiretls"]);
        _h.Options.Tls = TlsMode.Required;
        await _h.StartAsync();

        QueueId id = await _h.CommitAsync(Sender, [new Mailbox("用户", "aio.test")], "Subject: ünïcödé\r\n\r\nnaïve\r\n",
            parameters: new MailParameters { SmtpUtf8 = true, Body = BodyType.EightBitMime });
        await _h.Handled.WaitAsync(id);

        Assert.False(await _h.IsQueuedAsync(id), server.Output);
        JsonElement received = await ReceivedAsync(server);
        Assert.True(received.GetProperty("tls").GetBoolean());
        Assert.Contains("SMTPUTF8", received.GetProperty("mail_options").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["用户@aio.test"], received.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Subject: ünïcödé\r\n\r\nnaïve\r\n", received.GetProperty("content").GetString());
        Assert.True(LogLines.Any(_h.Logger, LogLevel.Debug, "STARTTLS done"));
    }

    private static async Task<JsonElement> ReceivedAsync(BackgroundProcess server)
    {
        await server.WaitForOutputAsync("{\"mail_from\"");
        string line = server.Output.Split('\n').First(l => l.StartsWith("{\"mail_from\"", StringComparison.Ordinal));
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private async Task<BackgroundProcess> StartAiosmtpdAsync(string address, IReadOnlyList<string> options)
    {
        Assert.True(File.Exists(DebianPython), $"{DebianPython} is missing: install the Debian package python3-aiosmtpd (.ci/run does).");
        CommandResult check = await ExternalCommand.RunAsync(DebianPython, ["-c", "import aiosmtpd"]);
        Assert.True(check.ExitCode == 0, $"aiosmtpd is missing for {DebianPython}: install the Debian package python3-aiosmtpd (.ci/run does).\n{check}");

        await File.WriteAllTextAsync(Path.Combine(_work.Path, "recording.py"), Recorder);
        IPAddress ip = IPAddress.Parse(address);
        int port = BackgroundProcess.FreePort(ip);
        BackgroundProcess server = BackgroundProcess.Start(
            DebianPython,
            ["-u", "-m", "aiosmtpd", "-n", "-c", "recording.Recorder", "-l", $"{address}:{port}", .. options],
            new Dictionary<string, string> { ["PYTHONPATH"] = _work.Path });
        await server.WaitForListenerAsync(new IPEndPoint(ip, port));

        _h.Dns.AddMx("aio.test", 10, "mx.aio.test").AddA("mx.aio.test", address);
        _h.Options.Port = port;
        return server;
    }
}
