// Delivers a message into a local Maildir: tmp/, fsync, rename into new/, fsync new/.
using System.Text;
using Herald.Protocol.Addresses;
using Herald.Queue.Files;

namespace Herald.Delivery.Local;

/// <summary>
/// Writes messages into <c>&lt;DataDirectory&gt;/mail/&lt;domain&gt;/&lt;local-part&gt;/</c>, a Maildir
/// (cr.yp.to/proto/maildir.html) that Dovecot, mutt and other readers open as it is. Each message is
/// written to <c>tmp/</c> under a unique name, fsynced, renamed into <c>new/</c> with Dovecot's
/// <c>,S=&lt;size&gt;</c>, and <c>new/</c> is fsynced, so a delivery that returned survives a crash.
/// The content is stored as queued (CRLF line ends), after a <c>Return-Path</c> and a <c>Delivered-To</c>
/// header field that end in CRLF too, so a file never mixes line ends; Dovecot and mutt read CRLF files.
/// Folder names: see <see cref="MaildirNames"/>.
/// </summary>
internal sealed class MaildirWriter : ILocalMailbox
{
    private const int BufferSize = 64 * 1024;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // Per process, not per instance: two writers in one process share the process id in their names.
    private static long s_counter;

    private readonly string _dataDirectory;
    private readonly string _mailRoot;
    private readonly string _hostname;
    private readonly TimeProvider _time;
    private readonly int _processId = Environment.ProcessId;

    public MaildirWriter(string dataDirectory, string hostname, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(time);
        _dataDirectory = Path.GetFullPath(dataDirectory);
        _mailRoot = Path.Combine(_dataDirectory, "mail");
        _hostname = MaildirNames.EscapeHostname(hostname);
        _time = time;
    }

    /// <summary>The Maildir folder of <paramref name="recipient"/>; always one level below its domain's folder.</summary>
    public string MaildirOf(Mailbox recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return Path.Combine(_mailRoot, MaildirNames.DomainFolder(recipient.Domain), MaildirNames.LocalPartFolder(recipient.LocalPart));
    }

    public async Task<string> DeliverAsync(Mailbox? sender, Mailbox recipient, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(content);
        string maildir = MaildirOf(recipient);
        EnsureMaildir(maildir);

        byte[] trace = TraceFields(sender, recipient);
        (string baseName, FileStream file) = CreateUniqueTmpFile(maildir);
        string tmpPath = file.Name;
        try
        {
            long size;
            await using (file)
            {
                await file.WriteAsync(trace, cancellationToken);
                await content.CopyToAsync(file, BufferSize, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
                size = file.Length;
            }

            // The name in new/ carries the size (Dovecot's S=), so readers need not stat the file.
            string newPath = Path.Combine(maildir, "new", $"{baseName},S={size}");
            File.Move(tmpPath, newPath, overwrite: false);
            FileSystemDurability.FlushDirectory(Path.Combine(maildir, "new"));
            return newPath;
        }
        catch
        {
            File.Delete(tmpPath);
            throw;
        }
    }

    /// <summary>
    /// <c>Return-Path</c> (RFC 5321 §4.4: the final delivery MTA records the reverse-path, <c>&lt;&gt;</c>
    /// for the null sender) and <c>Delivered-To</c> (the envelope recipient, as Postfix and qmail write it,
    /// which also lets loops be found). UTF-8 addresses are written as they are (RFC 6532).
    /// </summary>
    internal static byte[] TraceFields(Mailbox? sender, Mailbox recipient)
    {
        string returnPath = sender is null ? string.Empty : Clean(sender.ToString());
        string deliveredTo = Clean(recipient.Domain.Length == 0 ? recipient.LocalPart : recipient.ToString());
        return Encoding.UTF8.GetBytes($"Return-Path: <{returnPath}>\r\nDelivered-To: {deliveredTo}\r\n");
    }

    // The grammar admits no control characters in a mailbox; this keeps a hand-made queue file from
    // ever injecting a header line.
    private static string Clean(string text) => string.Concat(text.Where(c => !char.IsControl(c)));

    private (string BaseName, FileStream File) CreateUniqueTmpFile(string maildir)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = BufferSize };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        for (int attempt = 0; ; attempt++)
        {
            string baseName = MaildirNames.UniqueName(_time.GetUtcNow(), _processId, Interlocked.Increment(ref s_counter), _hostname);
            try
            {
                return (baseName, new FileStream(Path.Combine(maildir, "tmp", baseName), options));
            }
            catch (IOException) when (attempt < 10 && File.Exists(Path.Combine(maildir, "tmp", baseName)))
            {
                // Same second, same process id (a restart reused it) and same counter: take the next one.
            }
        }
    }

    private void EnsureMaildir(string maildir)
    {
        if (Directory.Exists(Path.Combine(maildir, "new")) && Directory.Exists(Path.Combine(maildir, "tmp")) && Directory.Exists(Path.Combine(maildir, "cur")))
        {
            return;
        }

        foreach (string sub in (string[])["tmp", "new", "cur"])
        {
            string path = Path.Combine(maildir, sub);
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, PrivateDirectory);
            }
        }

        // The new folders' own entries must be durable too, or a first delivery could vanish with them.
        string domainFolder = Path.GetDirectoryName(maildir)!;
        foreach (string directory in (string[])[maildir, domainFolder, _mailRoot, _dataDirectory])
        {
            FileSystemDurability.FlushDirectory(directory);
        }
    }
}
