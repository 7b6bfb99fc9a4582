// The messages of the local control channel: one JSON request, one JSON response.
using System.Text.Json.Serialization;

namespace Herald.Server.Control;

/// <summary>A request from <c>herald maintenance</c>, <c>herald stop</c> (and later the admin API).</summary>
public sealed record ControlRequest(
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("on")] bool? On = null,
    [property: JsonPropertyName("message")] string? Message = null);

/// <summary>The answer: whether it worked, and a line for the operator.</summary>
public sealed record ControlResponse(
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("text")] string Text);
