// The one exception a greylist store throws when it cannot read or write its state.
namespace Herald.Policy.Greylisting;

/// <summary>
/// The store failed (file unreadable, disk full, server unreachable). The greylisting check lets the
/// mail through when it sees this: greylisting only filters spam, and a broken store must not stop mail.
/// </summary>
public sealed class GreylistStoreException : Exception
{
    public GreylistStoreException()
    {
    }

    public GreylistStoreException(string message)
        : base(message)
    {
    }

    public GreylistStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
