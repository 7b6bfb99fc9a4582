// The messages of the local control channel: one JSON request, one JSON response.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Herald.Server.Control;

/// <summary>A request from <c>herald maintenance</c>, <c>herald stop</c>, <c>herald queue</c> and the admin API (<c>POST /api/maintenance</c>).</summary>
/// <param name="Id">The queue id a <c>queue-*</c> command acts on, when it takes one.</param>
public sealed record ControlRequest(
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("on")] bool? On = null,
    [property: JsonPropertyName("message")] string? Message = null,
    [property: JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null);

/// <summary>The answer: whether it worked, and a line for the operator.</summary>
/// <param name="Error">When <paramref name="Ok"/> is false, why, for programs: e.g. <c>not-found</c> or <c>bad-request</c>.</param>
/// <param name="Payload">The result of a command that returns data (the <c>queue-*</c> commands), as JSON.</param>
public sealed record ControlResponse(
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null,
    [property: JsonPropertyName("payload"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Payload = null);
