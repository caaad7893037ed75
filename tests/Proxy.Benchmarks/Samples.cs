using System.Globalization;

namespace Proxy.Benchmarks;

/// <summary>Percentiles and spread over measured values.</summary>
internal static class Samples
{
    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(percentile * sorted.Length))];
    }

    /// <summary>The sample standard deviation: how much a per-round figure moved between rounds.</summary>
    public static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2)
        {
            return 0;
        }

        var mean = values.Average();
        return Math.Sqrt(values.Sum(value => (value - mean) * (value - mean)) / (values.Count - 1));
    }

    /// <summary>Round by round, each figure over its baseline of the same round.</summary>
    public static List<double> Ratios(List<double> numerators, List<double> denominators) =>
        numerators.Zip(denominators, (numerator, denominator) => numerator / denominator).ToList();

    /// <summary>A table cell: the mean of the rounds, ± their spread.</summary>
    public static string Cell(List<double> perRound, string format, string unit) =>
        perRound.Average().ToString(format, CultureInfo.InvariantCulture) + unit + " ± " + StandardDeviation(perRound).ToString(format, CultureInfo.InvariantCulture);
}
