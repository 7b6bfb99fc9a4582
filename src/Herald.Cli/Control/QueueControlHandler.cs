// Runs `herald queue` requests that arrive on the control channel against the live queue of `herald serve`.
using Herald.Queue.Operations;
using Herald.Server.Control;

namespace Herald.Cli.Control;

/// <summary>
/// The <c>queue-*</c> control commands. Each answers with the same JSON shape that <c>herald queue --json</c>
/// prints, as the response's payload; failures carry <c>not-found</c> or <c>bad-request</c> in <c>error</c>.
/// </summary>
internal sealed class QueueControlHandler(QueueOperations operations)
{
    public const string Prefix = "queue-";

    public static bool Handles(ControlRequest request) => request.Command.StartsWith(Prefix, StringComparison.Ordinal);

    public async Task<ControlResponse> ExecuteAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return request.Command switch
            {
                "queue-list" => Ok(await operations.ListAsync(cancellationToken)),
                "queue-show" => Ok(await operations.ShowAsync(Id(request), cancellationToken)),
                "queue-flush" => Ok(await operations.FlushAsync(request.Id, cancellationToken)),
                "queue-delete" => Ok(await operations.DeleteAsync(Id(request), cancellationToken)),
                "queue-hold" => Ok(await operations.HoldAsync(Id(request), hold: true, cancellationToken)),
                "queue-release" => Ok(await operations.HoldAsync(Id(request), hold: false, cancellationToken)),
                "queue-bounce" => Ok(await operations.BounceAsync(Id(request), cancellationToken)),
                "queue-destinations" => Ok(await operations.DestinationsAsync(cancellationToken)),
                _ => new ControlResponse(false, $"unknown control command '{request.Command}'", ErrorCodes.BadRequest),
            };
        }
        catch (QueueOperationException e)
        {
            return new ControlResponse(false, e.Message, e.Kind == QueueErrorKind.NotFound ? ErrorCodes.NotFound : ErrorCodes.BadRequest);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // The operator gets the reason on their terminal rather than a channel closed without an answer.
            return new ControlResponse(false, $"{request.Command} failed: {e.Message}", ErrorCodes.Failed);
        }
    }

    private static string Id(ControlRequest request) =>
        request.Id ?? throw new QueueOperationException(QueueErrorKind.BadRequest, $"{request.Command} needs a queue id.");

    private static ControlResponse Ok<T>(T payload) => new(true, "ok", Payload: QueueJson.ToElement(payload));

    /// <summary>The <see cref="ControlResponse.Error"/> values of queue commands.</summary>
    public static class ErrorCodes
    {
        public const string NotFound = "not-found";
        public const string BadRequest = "bad-request";
        public const string Failed = "failed";
    }
}
