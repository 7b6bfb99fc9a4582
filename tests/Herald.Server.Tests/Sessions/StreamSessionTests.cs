// SmtpServer.RunSessionAsync: one session over any stream, as `herald sendmail -bs` runs it over standard I/O.
using System.Net;
using System.Text;
using Herald.Queue;

namespace Herald.Server.Tests.Sessions;

public sealed class StreamSessionTests
{
    [Fact]
    public async Task ASessionOverAStreamPair_AnswersAndQueuesLikeAListenersSession()
    {
        await using TestServer test = await TestServer.StartAsync();
        var input = new MemoryStream(Encoding.ASCII.GetBytes(
            "EHLO client.herald.test\r\nMAIL FROM:<alice@localhost>\r\nRCPT TO:<bob@localhost>\r\nDATA\r\nSubject: piped\r\n\r\nbody\r\n.\r\nQUIT\r\n"));
        var output = new MemoryStream();

        await test.Server.RunSessionAsync(new Pair(input, output), new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);

        string[] replies = Encoding.ASCII.GetString(output.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("220 mx.herald.test ESMTP Herald", replies[0]);
        Assert.Contains(replies, r => r.StartsWith("250 2.0.0 Ok: queued as ", StringComparison.Ordinal));
        Assert.Equal("221 2.0.0 mx.herald.test Bye", replies[^1]);
        QueuedMessage message = Assert.Single(await test.QueuedAsync());
        Assert.Contains("from client.herald.test ([127.0.0.1])", await test.ContentAsync(message.Id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutARelayGrant_TheLocalClientIsRefusedLikeAnyOther()
    {
        // Trust is the policy's to give (sendmail -bs adds 127.0.0.1 to TrustedNetworks); the seam grants none.
        await using TestServer test = await TestServer.StartAsync();
        var input = new MemoryStream(Encoding.ASCII.GetBytes("EHLO c\r\nMAIL FROM:<a@localhost>\r\nRCPT TO:<far@example.org>\r\nQUIT\r\n"));
        var output = new MemoryStream();

        await test.Server.RunSessionAsync(new Pair(input, output), new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);

        Assert.Contains("554 5.7.1 <far@example.org>: Relay access denied", Encoding.ASCII.GetString(output.ToArray()), StringComparison.Ordinal);
    }

    /// <summary>Reads one stream, writes the other.</summary>
    private sealed class Pair(Stream input, Stream output) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

        public override void Flush() => output.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
