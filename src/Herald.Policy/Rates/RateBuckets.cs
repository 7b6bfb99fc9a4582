// The bucket names the rate limits count under.
namespace Herald.Policy.Rates;

/// <summary>Bucket names, shared with any other store that keeps the same counters (they appear in its keys).</summary>
internal static class RateBuckets
{
    public const string Connections = "connections";
    public const string Messages = "messages";
    public const string Recipients = "recipients";
    public const string AuthFailures = "auth-failures";
}
