using Azure;

namespace Proxy.Quota;

/// <summary>What became of one write of a store call that answered.</summary>
internal readonly record struct CounterWriteResult(CounterWriteStatus Status, ETag ETag = default)
{
    public static CounterWriteResult Lost => new(CounterWriteStatus.ConditionLost);

    public static CounterWriteResult NotApplied => new(CounterWriteStatus.NotApplied);

    public static CounterWriteResult NotSent => new(CounterWriteStatus.NotSent);
}
