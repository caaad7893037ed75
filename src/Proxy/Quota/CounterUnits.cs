namespace Proxy.Quota;

/// <summary>
/// What a counter row counts for a key's hour: requests; tokens charged (the usage of answered requests); and tokens
/// reserved by requests in flight, which their answers' usage replaces. Sums saturate at the ends of <see cref="long"/>
/// instead of wrapping, so that no upstream's figure can turn a full count into an empty one.
/// </summary>
internal readonly record struct CounterUnits(long Requests, long Tokens, long Reserved = 0)
{
    public bool IsZero => Requests == 0 && Tokens == 0 && Reserved == 0;

    /// <summary>The tokens the row holds against a token limit: charged, and reserved by requests in flight.</summary>
    public long TokensHeld => Saturating(Tokens, Reserved);

    public static CounterUnits operator +(CounterUnits left, CounterUnits right) =>
        new(Saturating(left.Requests, right.Requests), Saturating(left.Tokens, right.Tokens), Saturating(left.Reserved, right.Reserved));

    public static CounterUnits operator -(CounterUnits left, CounterUnits right) => left + -right;

    public static CounterUnits operator -(CounterUnits units) => new(Negate(units.Requests), Negate(units.Tokens), Negate(units.Reserved));

    public static long Saturating(long left, long right) => long.CreateSaturating((Int128)left + right);

    private static long Negate(long value) => value == long.MinValue ? long.MaxValue : -value;
}
