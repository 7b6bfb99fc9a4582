// The users file of the data directory: one "name:hash" line per user, written atomically, mode 0600.
using System.Text;

namespace Herald.Policy.Authentication;

/// <summary>
/// Reads and writes the submission users. Writes go to a temporary file that is fsynced and renamed,
/// so a reader never sees half a file. User names are compared case-insensitively.
/// </summary>
public sealed class UserFile(string path)
{
    public string Path { get; } = path;

    public IReadOnlyDictionary<string, string> Read()
    {
        var users = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(Path))
        {
            return users;
        }

        foreach (string line in File.ReadAllLines(Path, Encoding.UTF8))
        {
            int colon = line.LastIndexOf(':');
            if (line.Length == 0 || line.StartsWith('#') || colon <= 0)
            {
                continue;
            }

            users[line[..colon]] = line[(colon + 1)..];
        }

        return users;
    }

    public void Write(IReadOnlyDictionary<string, string> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(directory);
        string temporary = Path + ".tmp";
        var text = new StringBuilder("# Herald submission users: name:pbkdf2-sha256$iterations$salt$hash. Edit with `herald user`.\n");
        foreach ((string name, string hash) in users.OrderBy(u => u.Key, StringComparer.OrdinalIgnoreCase))
        {
            text.Append(name).Append(':').Append(hash).Append('\n');
        }

        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>A user name is an address or a plain name; no colon, no spaces, no control characters.</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 254 && !name.Any(c => c is ':' or ' ' or '#' || char.IsControl(c));
}
