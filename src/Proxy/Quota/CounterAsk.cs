namespace Proxy.Quota;

/// <summary>
/// What one request asks of its key's counter: one request against <see cref="RequestLimit"/>, and <see cref="Tokens"/>
/// reserved against <see cref="TokenLimit"/> when the key has one; or, a <see cref="Peek"/>, only what the row counts,
/// read from the store.
/// </summary>
internal readonly record struct CounterAsk(long RequestLimit, long? TokenLimit, long Tokens, bool Peek = false);
