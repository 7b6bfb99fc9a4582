// Reads the Prometheus text exposition format as far as the tests need: samples with their labels and values.
using System.Globalization;
using System.Text.RegularExpressions;

namespace Herald.TestSupport.Metrics;

/// <summary>One sample line: <c>name{label="value",...} number</c>.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A scrape of <c>/metrics</c>, parsed.</summary>
public sealed partial class PrometheusText
{
    private PrometheusText(string text, IReadOnlyList<PrometheusSample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            Match sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"Not a Prometheus sample line: {line}");
            Dictionary<string, string> labels = LabelPair().Matches(sample.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["name"].Value, m => Regex.Unescape(m.Groups["value"].Value), StringComparer.Ordinal);
            samples.Add(new PrometheusSample(sample.Groups["name"].Value, labels, double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return new PrometheusText(text, samples);
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include every pair given; 0 when none.</summary>
    public double Value(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out string? v) && v == l.Value)).Sum(s => s.Value);

    /// <summary>The names declared by <c># TYPE</c> lines, with their type.</summary>
    public IReadOnlyDictionary<string, string> Types =>
        TypeLine().Matches(Text).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value, StringComparer.Ordinal);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>.*)\})?\s+(?<value>\S+)""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)"(?:,|$)""")]
    private static partial Regex LabelPair();

    [GeneratedRegex("""^# TYPE (?<name>\S+) (?<type>\S+)$""", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
