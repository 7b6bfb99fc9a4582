// The seam through which SMTP AUTH checks a user name and password.
namespace Herald.Policy.Authentication;

public interface ICredentialVerifier
{
    /// <summary>False while no user exists: AUTH is then not advertised at all.</summary>
    bool HasUsers { get; }

    /// <summary>True when the password is right for the user; never says which of the two was wrong.</summary>
    ValueTask<bool> VerifyAsync(string user, string password, CancellationToken cancellationToken);
}
