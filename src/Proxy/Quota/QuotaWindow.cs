using System.Globalization;

namespace Proxy.Quota;

/// <summary>A UTC clock hour: the span a count belongs to.</summary>
public readonly record struct QuotaWindow(DateTimeOffset Start)
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(1);

    public DateTimeOffset End => Start + Length;

    /// <summary>The row key of this hour's counters: <c>yyyyMMddHH</c>.</summary>
    public string Id => Start.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    /// <summary>The day table this hour's counters live in.</summary>
    public string TableName(string prefix) => prefix + Start.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static QuotaWindow Containing(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new QuotaWindow(new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero));
    }

    /// <summary>Time left in this window, at least one second so that a client never waits zero and hits the same wall.</summary>
    public TimeSpan ResetAfter(DateTimeOffset now)
    {
        var left = End - now;
        return left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left;
    }
}
