// One code explained in one language: the value the knowledge base hands out.
using System.Globalization;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Knowledge;

/// <summary>
/// A basic reply code or an enhanced status code explained for people. For a code the knowledge
/// base does not hold, <see cref="IsKnown"/> is false and the texts say what the digits alone tell.
/// </summary>
public sealed record ReplyDescription
{
    /// <summary>The code as written in a reply: "421" or "4.3.2".</summary>
    public required string Code { get; init; }

    /// <summary>False when the code is well formed but not in the knowledge base.</summary>
    public required bool IsKnown { get; init; }

    public required ReplyClass Class { get; init; }

    /// <summary>The class in words, in <see cref="Language"/>.</summary>
    public required string ClassName { get; init; }

    /// <summary>A short name for the code, such as "Service not available, closing channel".</summary>
    public required string Title { get; init; }

    public required string Meaning { get; init; }

    public required string WhenYouSeeIt { get; init; }

    public required string SenderAction { get; init; }

    public required string AdministratorAction { get; init; }

    public required RetryAdvice Retry { get; init; }

    /// <summary><see cref="Retry"/> in words, in <see cref="Language"/>.</summary>
    public required string RetryText { get; init; }

    /// <summary>Where the code is defined, e.g. "RFC 5321 §3.8, §4.2.2".</summary>
    public required string Reference { get; init; }

    /// <summary>The language the texts are in, after falling back (English when the one asked for is missing).</summary>
    public required CultureInfo Language { get; init; }
}
