// The receiving policy's instruments: greylisting's decisions, counted by the check that makes them.
using System.Diagnostics.Metrics;

namespace Herald.Policy;

/// <summary>
/// The <c>Herald.Policy</c> meter. The other policies' refusals are counted by the server with the policy's
/// name as the reason; greylisting is counted here because most of its decisions are not refusals.
/// </summary>
public sealed class PolicyMetrics
{
    public const string MeterName = "Herald.Policy";

    private readonly Counter<long> _greylist;

    /// <param name="meterFactory">The host's factory; null for a meter of its own (a component built without DI).</param>
    public PolicyMetrics(IMeterFactory? meterFactory)
    {
        Meter meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _greylist = meter.CreateCounter<long>(
            "herald.greylist.decisions", "{decision}",
            "Greylisting at RCPT: greylisted (first attempt), too_early (retried before the delay), passed, exempt, error (store failed, mail passed).");
    }

    // Made on first use only: a host that passes its own factory never creates this second meter of the same name.
    private static readonly Lazy<PolicyMetrics> Detached = new(() => new PolicyMetrics(null));

    /// <summary>For components built without a host (tests, one-shot commands): a meter of its own, made once.</summary>
    internal static PolicyMetrics Unexported => Detached.Value;

    internal void Greylist(GreylistDecision decision) => _greylist.Add(1, new KeyValuePair<string, object?>("decision", decision switch
    {
        GreylistDecision.Greylisted => "greylisted",
        GreylistDecision.TooEarly => "too_early",
        GreylistDecision.Passed => "passed",
        GreylistDecision.Exempt => "exempt",
        _ => "error",
    }));
}

/// <summary>What greylisting decided for one recipient.</summary>
internal enum GreylistDecision
{
    /// <summary>A triplet seen for the first time (or again after it expired): 451 4.7.1.</summary>
    Greylisted,

    /// <summary>A retry before <c>Greylisting:Delay</c>: 451 4.7.1 again.</summary>
    TooEarly,

    /// <summary>A retry after the delay, or a triplet that passed before.</summary>
    Passed,

    /// <summary>Trusted or authenticated client, allow-listed network or sender domain.</summary>
    Exempt,

    /// <summary>The store failed; the mail passed (greylisting must not stop mail).</summary>
    Error,
}
