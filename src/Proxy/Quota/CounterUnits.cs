namespace Proxy.Quota;

/// <summary>
/// What a counter row counts for a key's hour: requests, and tokens (reserved by requests in flight, then their usage).
/// Sums saturate at the ends of <see cref="long"/> instead of wrapping, so that no upstream's figure can turn a full
/// count into an empty one.
/// </summary>
internal readonly record struct CounterUnits(long Requests, long Tokens)
{
    public bool IsZero => Requests == 0 && Tokens == 0;

    public static CounterUnits operator +(CounterUnits left, CounterUnits right) =>
        new(Saturating(left.Requests, right.Requests), Saturating(left.Tokens, right.Tokens));

    public static CounterUnits operator -(CounterUnits left, CounterUnits right) => left + -right;

    public static CounterUnits operator -(CounterUnits units) => new(Negate(units.Requests), Negate(units.Tokens));

    private static long Saturating(long left, long right)
    {
        var sum = unchecked(left + right);

        // An overflow flips the sign against two operands of the same sign.
        return ((left ^ sum) & (right ^ sum)) < 0 ? (left < 0 ? long.MinValue : long.MaxValue) : sum;
    }

    private static long Negate(long value) => value == long.MinValue ? long.MaxValue : -value;
}
