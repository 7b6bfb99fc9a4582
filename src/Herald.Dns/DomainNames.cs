// Turns a domain as written in mail (U-labels or A-labels, any case) into the form the DNS is asked about.
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Herald.Dns;

/// <summary>
/// IDNA handling for lookups. The DNS only knows A-labels (RFC 5890 §2.3.2.1), so an
/// internationalized domain from an SMTPUTF8 address (RFC 6531 §3.2) is converted with
/// UTS #46 mapping (<see cref="IdnMapping"/>) before it is queried.
/// </summary>
public static class DomainNames
{
    // RFC 1035 §2.3.4: 63 octets a label; 255 octets on the wire, which is 253 characters
    // of dotted text without the trailing dot.
    private const int MaxLabelLength = 63;
    private const int MaxNameLength = 253;

    // Std3 rules off: UTS #46 with STD3 rules rejects the underscore, which real host names
    // in MX targets occasionally carry; the character check below still keeps names sane.
    private static readonly IdnMapping Mapping = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>
    /// Converts <paramref name="domain"/> to lower-case A-label form without a trailing dot,
    /// for example <c>Bücher.Example.</c> to <c>xn--bcher-kva.example</c>. Returns false for a
    /// name that cannot be looked up: empty, an empty label, a label over 63 characters, a name
    /// over 253 characters, invalid IDNA, or characters other than letters, digits, '-' and '_'.
    /// Address literals (<c>[192.0.2.1]</c>) are not domain names and are rejected.
    /// </summary>
    public static bool TryToLookupForm(string? domain, [NotNullWhen(true)] out string? aLabel)
    {
        aLabel = null;
        if (string.IsNullOrEmpty(domain))
        {
            return false;
        }

        // A fully qualified name may end in the root's empty label (RFC 1034 §3.1).
        var name = domain.EndsWith('.') ? domain[..^1] : domain;
        if (name.Length == 0)
        {
            return false;
        }

        string ascii;
        try
        {
            ascii = Mapping.GetAscii(name);
        }
        catch (ArgumentException)
        {
            return false;
        }

        // IdnMapping passes all-ASCII input through without folding case or checking it.
        ascii = ascii.ToLowerInvariant();
        if (ascii.Length > MaxNameLength || !HasValidLabels(ascii))
        {
            return false;
        }

        aLabel = ascii;
        return true;
    }

    private static bool HasValidLabels(string name)
    {
        foreach (var range in name.AsSpan().Split('.'))
        {
            var label = name.AsSpan(range);
            if (label.Length is 0 or > MaxLabelLength)
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
