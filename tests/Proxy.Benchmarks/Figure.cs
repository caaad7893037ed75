using System.Globalization;

namespace Proxy.Benchmarks;

/// <summary>
/// One measured figure and its goal. <see cref="Noise"/> is the spread the figure showed across repeated rounds of
/// the same run: a figure misses only when it is past its goal by more than that.
/// </summary>
internal sealed record Figure(string Name, double Measured, string Unit, double? Goal, string GoalText, double Noise, bool HigherIsBetter = false)
{
    public string Verdict
    {
        get
        {
            if (Goal is not { } goal)
            {
                return "printed";
            }

            var shortfall = HigherIsBetter ? goal - Measured : Measured - goal;
            return shortfall <= 0 ? "met" : shortfall <= Noise ? "within noise" : "MISSED";
        }
    }

    public bool Missed => Verdict == "MISSED";

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Format(Measured)} {Unit} | ± {Format(Noise)} | {GoalText} | {Verdict} |");

    private static string Format(double value) => Math.Abs(value) >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture) : value.ToString("F3", CultureInfo.InvariantCulture);
}
