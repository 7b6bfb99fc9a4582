// Maildir delivery on a real directory: layout, names, trace fields, content, hostile local parts.
using System.Text;
using System.Text.RegularExpressions;
using Herald.Delivery.Local;
using Herald.Protocol.Addresses;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Delivery.Tests.Local;

public sealed partial class MaildirWriterTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
    private readonly MaildirWriter _writer;

    public MaildirWriterTests() => _writer = new MaildirWriter(_data.Path, "mx.example.org", _time);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Delivery_CreatesMaildir_WritesToNew_LeavesTmpEmpty()
    {
        string path = await DeliverAsync(new Mailbox("alice", "example.com"), new Mailbox("bob", "Example.ORG"), "Subject: hi\r\n\r\nhello\r\n");

        string maildir = Path.Combine(_data.Path, "mail", "example.org", "bob");
        Assert.Equal(Path.Combine(maildir, "new"), Path.GetDirectoryName(path));
        Assert.True(Directory.Exists(Path.Combine(maildir, "cur")));
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));
        Assert.Matches(FileName(), Path.GetFileName(path));
        Assert.EndsWith($",S={new FileInfo(path).Length}", path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_IsByteIdentical_AfterThePrependedTraceFields()
    {
        byte[] content = new byte[300_000];
        new Random(7).NextBytes(content);

        string path;
        await using (var stream = new MemoryStream(content))
        {
            path = await _writer.DeliverAsync(new Mailbox("john doe", "example.com"), new Mailbox("bob", "example.org"), stream, CancellationToken.None);
        }

        byte[] expectedPrefix = "Return-Path: <\"john doe\"@example.com>\r\nDelivered-To: bob@example.org\r\n"u8.ToArray();
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(expectedPrefix, file[..expectedPrefix.Length]);
        Assert.Equal(content, file[expectedPrefix.Length..]);
    }

    [Fact]
    public async Task NullSender_GivesEmptyReturnPath()
    {
        string path = await DeliverAsync(null, new Mailbox("bob", "example.org"), "Subject: bounce\r\n\r\n");

        Assert.StartsWith("Return-Path: <>\r\nDelivered-To: bob@example.org\r\nSubject: bounce\r\n", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Utf8Recipient_IsWrittenAsIs()
    {
        string path = await DeliverAsync(new Mailbox("élodie", "exemple.fr"), new Mailbox("用户", "例子.广告"), "x\r\n");

        Assert.Equal(Path.Combine(_data.Path, "mail", "例子.广告", "用户", "new"), Path.GetDirectoryName(path));
        Assert.StartsWith("Return-Path: <élodie@exemple.fr>\r\nDelivered-To: 用户@例子.广告\r\n", File.ReadAllText(path, Encoding.UTF8), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThousandDeliveries_HaveUniqueNames_WithTheClockStandingStill()
    {
        var recipient = new Mailbox("bob", "example.org");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 1000; i++)
        {
            names.Add(Path.GetFileName(await DeliverAsync(null, recipient, $"message {i}\r\n")));
        }

        string maildir = Path.Combine(_data.Path, "mail", "example.org", "bob");
        Assert.Equal(1000, names.Count);
        Assert.Equal(1000, Directory.GetFiles(Path.Combine(maildir, "new")).Length);
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));
        Assert.All(names, n => Assert.Matches(FileName(), n));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("..")]
    [InlineData("../../../../etc")]
    [InlineData("")]
    public async Task HostileLocalParts_StayInsideTheirDomainFolder(string localPart)
    {
        string path = await DeliverAsync(null, new Mailbox(localPart, "example.org"), "x\r\n");

        string domainFolder = Path.Combine(_data.Path, "mail", "example.org") + Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(path);
        Assert.StartsWith(domainFolder, full, StringComparison.Ordinal);

        // <domain>/<one folder>/new/<file>: exactly one level for the local part.
        string rest = full[domainFolder.Length..];
        string[] parts = rest.Split(Path.DirectorySeparatorChar);
        Assert.Equal(3, parts.Length);
        Assert.Equal("new", parts[1]);
        Assert.False(parts[0].StartsWith('.'));
        Assert.Equal(localPart, MaildirNames.DecodeFolderName(parts[0]));
        Assert.Equal([Path.Combine(_data.Path, "mail")], Directory.GetDirectories(_data.Path));
        Assert.Equal([Path.Combine(_data.Path, "mail", "example.org")], Directory.GetDirectories(Path.Combine(_data.Path, "mail")));
    }

    [Fact]
    public async Task LocalPartsDifferingInAsciiCase_ShareAMailbox()
    {
        string first = await DeliverAsync(null, new Mailbox("User", "localhost"), "1\r\n");
        string second = await DeliverAsync(null, new Mailbox("user", "LOCALHOST"), "2\r\n");

        Assert.Equal(Path.GetDirectoryName(first), Path.GetDirectoryName(second));
        Assert.StartsWith("Return-Path: <>\r\nDelivered-To: User@localhost\r\n", File.ReadAllText(first), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedRead_LeavesNothingBehind()
    {
        await using var broken = new BrokenStream();
        await Assert.ThrowsAsync<IOException>(() => _writer.DeliverAsync(null, new Mailbox("bob", "example.org"), broken, CancellationToken.None));

        string maildir = Path.Combine(_data.Path, "mail", "example.org", "bob");
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "new")));
    }

    private async Task<string> DeliverAsync(Mailbox? sender, Mailbox recipient, string content)
    {
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return await _writer.DeliverAsync(sender, recipient, stream, CancellationToken.None);
    }

    [GeneratedRegex(@"^\d+\.M\d+P\d+Q\d+\.mx\.example\.org,S=\d+$")]
    private static partial Regex FileName();

    private sealed class BrokenStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("disk went away"));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException<int>(new IOException("disk went away"));
    }
}
