// The JSON shape of the queue views, one for --json, the control channel and the admin API.
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Herald.Queue.Operations;

/// <summary>The JSON shape shared by --json output and the control channel's payloads.</summary>
public static class QueueJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,

        // Addresses and replies stay readable (no \u003C for "<") in the output of --json.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The same shape, unindented: a control-channel message is one line.</summary>
    private static readonly JsonSerializerOptions Wire = new(Options) { WriteIndented = false };

    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, Wire);

    public static T FromElement<T>(JsonElement element) =>
        element.Deserialize<T>(Options) ?? throw new JsonException($"The payload is not a {typeof(T).Name}.");

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";
}
