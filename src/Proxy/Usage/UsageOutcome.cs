namespace Proxy.Usage;

/// <summary>One finished request as the ledger adds it to its key's hour.</summary>
internal readonly record struct UsageOutcome(
    string KeyId, DateTimeOffset At, UsageClass Class, long PromptTokens, long CompletionTokens, long RequestBytes, long ResponseBytes, long DurationMs);
