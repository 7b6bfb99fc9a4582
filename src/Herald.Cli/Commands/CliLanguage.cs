// Which language `herald explain` and `herald compare` speak: --lang, else the POSIX locale variables, else English.
using System.Globalization;

namespace Herald.Cli.Commands;

internal static class CliLanguage
{
    /// <summary>
    /// Resolves the language. Without --lang, LC_ALL, LC_MESSAGES and LANG are read in the order POSIX
    /// gives them precedence; "ar_EG.UTF-8" becomes ar-EG, and "C", "POSIX" or nothing mean English.
    /// </summary>
    public static bool TryResolve(string? option, Func<string, string?> environment, out CultureInfo culture)
    {
        culture = CultureInfo.GetCultureInfo("en");
        if (!string.IsNullOrWhiteSpace(option))
        {
            return TryCulture(option.Trim(), out culture);
        }

        foreach (string variable in (string[])["LC_ALL", "LC_MESSAGES", "LANG"])
        {
            string? value = environment(variable);
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            string name = value.Split('.', '@')[0].Replace('_', '-');
            if (name is "C" or "POSIX" || !TryCulture(name, out culture))
            {
                culture = CultureInfo.GetCultureInfo("en");
            }

            return true;
        }

        return true;
    }

    private static bool TryCulture(string name, out CultureInfo culture)
    {
        try
        {
            culture = CultureInfo.GetCultureInfo(name, predefinedOnly: true);
            return !string.IsNullOrEmpty(culture.Name);
        }
        catch (CultureNotFoundException)
        {
            culture = CultureInfo.GetCultureInfo("en");
            return false;
        }
    }
}
