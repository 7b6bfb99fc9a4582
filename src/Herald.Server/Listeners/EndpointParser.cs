// Parses listener endpoints written as ip:port.
using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Herald.Server;

/// <summary>Reads <c>127.0.0.1:2525</c> and <c>[::1]:25</c>; a port is required (0 asks for any free port).</summary>
public static class EndpointParser
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        endpoint = null;
        return !string.IsNullOrWhiteSpace(text) && IPEndPoint.TryParse(text, out endpoint)
            && (text.Contains("]:", StringComparison.Ordinal) || text.Count(c => c == ':') == 1);
    }
}
