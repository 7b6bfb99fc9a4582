// Process exit codes, from sysexits.h, so scripts and service managers can tell failures apart.
namespace Herald.Cli.Commands;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 64;        // EX_USAGE
    public const int DataError = 65;    // EX_DATAERR
    public const int NoHost = 68;       // EX_NOHOST
    public const int Unavailable = 69;  // EX_UNAVAILABLE
    public const int Software = 70;     // EX_SOFTWARE
    public const int OsError = 71;      // EX_OSERR
    public const int CantCreate = 73;   // EX_CANTCREAT
    public const int TempFail = 75;     // EX_TEMPFAIL
    public const int Config = 78;       // EX_CONFIG
}
