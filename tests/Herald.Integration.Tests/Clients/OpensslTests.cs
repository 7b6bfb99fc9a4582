using Herald.TestSupport.Processes;

namespace Herald.Integration.Tests.Clients;

public sealed class OpensslTests
{
    [Fact]
    public async Task OpensslStartTlsSmtp_CompletesAHandshake_AndSeesTheSelfSignedCertificate()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();
        CommandResult result = await ExternalCommand.RunAsync(
            "openssl", ["s_client", "-starttls", "smtp", "-connect", $"127.0.0.1:{herald.Port}", "-servername", "mx.herald.test", "-brief"],
            standardInput: "EHLO client.example\nQUIT\n");
        string all = result.StandardOutput + result.StandardError;
        Assert.Contains("Protocol version: TLSv1.", all, StringComparison.Ordinal);
        Assert.Contains("CN = mx.herald.test", all, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(herald.DataDirectory, "tls", "selfsigned.crt")));
    }
}
