// The admin endpoint binds as the SMTP listeners do: a port in use is one clear message, never a stack trace.
using System.Net;
using System.Net.Sockets;
using Herald.Server;

namespace Herald.Admin.Tests;

public sealed class AdminServerTests
{
    [Fact]
    public async Task PortInUse_IsAListenerBindException_InTheListenersWords()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        await using AdminHost host = AdminHost.Create(("Admin:Endpoint", $"127.0.0.1:{port}"));
        host.Server.Bind();

        ListenerBindException error = await Assert.ThrowsAsync<ListenerBindException>(() => host.Admin.BindAsync(CancellationToken.None));

        Assert.Equal($"Admin endpoint cannot listen on 127.0.0.1:{port}: the address is already in use (is another server running?).", error.Message);
        Assert.Null(host.Admin.LocalEndPoint);
    }

    [Fact]
    public async Task Disabled_NoAdminServerIsBuilt()
    {
        await using AdminHost host = AdminHost.Create(("Admin:Enabled", "false"));

        Assert.Null(host.Host.Services.GetService(typeof(AdminServer)));
    }
}
