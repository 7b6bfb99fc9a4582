// Tests of the RFC 5321 §5.1 ordering of MX hosts.
namespace Herald.Dns.Tests;

public sealed class MxOrderingTests
{
    [Fact]
    public void Order_SortsByPreferenceLowestFirst()
    {
        var ordered = MxOrdering.Order(
            [new MxHost("c.test", 30), new MxHost("a.test", 10), new MxHost("b.test", 20)],
            new Random(1));

        Assert.Equal(["a.test", "b.test", "c.test"], ordered.Select(h => h.Name));
    }

    [Fact]
    public void Order_EqualPreferences_EveryOrderOccursAndStaysBehindLowerPreference()
    {
        var random = new Random(20240229);
        var seen = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            var ordered = MxOrdering.Order(
                [new MxHost("first.test", 5), new MxHost("b.test", 10), new MxHost("c.test", 10), new MxHost("d.test", 10)],
                random);

            Assert.Equal("first.test", ordered[0].Name);
            Assert.All(ordered.Skip(1), h => Assert.Equal(10, h.Preference));
            seen.Add(string.Join(',', ordered.Skip(1).Select(h => h.Name)));
        }

        // Three hosts of equal preference have six orders; 200 seeded shuffles show them all.
        Assert.Equal(6, seen.Count);
    }

    [Fact]
    public void Order_HostListedTwice_KeepsLowestPreferenceOnce()
    {
        var ordered = MxOrdering.Order(
            [new MxHost("mx.test", 20), new MxHost("other.test", 15), new MxHost("MX.test", 10)],
            new Random(3));

        Assert.Equal(2, ordered.Count);
        Assert.Equal(10, ordered[0].Preference);
        Assert.Equal("other.test", ordered[1].Name);
    }
}
