namespace Proxy.Cli;

/// <summary>The span of time a summary or report covers, <see cref="From"/> included and <see cref="Until"/> excluded.</summary>
internal sealed record TimeWindow(DateTimeOffset From, DateTimeOffset Until)
{
    /// <summary>
    /// The longest window: a year and a day, so a per-hour axis has at most 8,784 hours and the archive read stays one an
    /// operator means.
    /// </summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(366);

    public bool Contains(DateTimeOffset time) => time >= From && time < Until;

    /// <summary>Every UTC hour the window touches, the quiet ones included, oldest first.</summary>
    public IEnumerable<DateTimeOffset> Hours()
    {
        for (var hour = TopOfHour(From); hour < Until; hour = hour.AddHours(1))
        {
            yield return hour;
        }
    }

    public static DateTimeOffset TopOfHour(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}
