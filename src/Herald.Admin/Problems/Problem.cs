// RFC 9457 (formerly 7807) problem details: every error of the admin API, with a sentence an operator can act on.
using Microsoft.AspNetCore.Http;

namespace Herald.Admin.Problems;

/// <summary>Problem responses (<c>application/problem+json</c>), so that scripts read one error shape everywhere.</summary>
internal static class Problem
{
    public static IResult Result(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    /// <summary>Writes a problem from middleware, where there is no endpoint to return a result from.</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        Result(status, title, detail).ExecuteAsync(context);
}
