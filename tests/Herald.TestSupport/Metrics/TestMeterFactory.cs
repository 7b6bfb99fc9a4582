// A meter factory of a test's own, so that the test sees only the measurements of the objects it made.
using System.Diagnostics.Metrics;

namespace Herald.TestSupport.Metrics;

/// <summary>
/// Makes meters scoped to itself, as the host's factory does: a <c>MetricCollector</c> given this factory as its
/// scope listens to this test's instruments only, whatever other tests running at the same time count.
/// </summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (Meter meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
