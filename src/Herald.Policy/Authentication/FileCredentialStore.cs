// Verifies AUTH credentials against the users file, re-reading it when it changes.
namespace Herald.Policy.Authentication;

/// <summary>
/// The users file as a credential verifier. The file is re-read when its modification time changes, so
/// `herald user add` takes effect on a running server without a restart. An unknown user costs the
/// same hashing work as a known one, so timing does not tell which user names exist.
/// </summary>
public sealed class FileCredentialStore(UserFile file) : ICredentialVerifier
{
    private static readonly string DummyHash = PasswordHash.Create("herald-timing-equaliser");
    private readonly Lock _lock = new();
    private DateTime _loadedAt = DateTime.MinValue;
    private IReadOnlyDictionary<string, string> _users = new Dictionary<string, string>();

    public bool HasUsers => Users().Count > 0;

    public ValueTask<bool> VerifyAsync(string user, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        bool known = Users().TryGetValue(user, out string? hash);
        bool valid = PasswordHash.Verify(password, hash ?? DummyHash);
        return ValueTask.FromResult(known && valid);
    }

    private IReadOnlyDictionary<string, string> Users()
    {
        DateTime modified = File.Exists(file.Path) ? File.GetLastWriteTimeUtc(file.Path) : DateTime.MinValue;
        lock (_lock)
        {
            if (modified != _loadedAt)
            {
                _users = file.Read();
                _loadedAt = modified;
            }

            return _users;
        }
    }
}
