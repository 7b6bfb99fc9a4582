// Why a queue operation could not be done: an unknown id or a malformed request, told apart for exit codes and HTTP statuses.
namespace Herald.Queue.Operations;

/// <summary>Why a queue operation could not be done; `herald queue` turns it into an exit code, the admin API into a status.</summary>
public enum QueueErrorKind
{
    /// <summary>No message with that id is queued (EX_DATAERR; HTTP 404).</summary>
    NotFound,

    /// <summary>The request itself is wrong, e.g. a malformed queue id (EX_USAGE; HTTP 400).</summary>
    BadRequest,
}

public sealed class QueueOperationException : Exception
{
    public QueueOperationException(QueueErrorKind kind, string message)
        : base(message) => Kind = kind;

    public QueueOperationException()
    {
    }

    public QueueOperationException(string message)
        : base(message)
    {
    }

    public QueueOperationException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public QueueErrorKind Kind { get; }
}
