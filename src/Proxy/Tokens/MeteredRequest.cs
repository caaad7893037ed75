using Proxy.Errors;

namespace Proxy.Tokens;

/// <summary>What reading a request of a key with a token limit gave: the tokens to reserve for it, or the error that answers it.</summary>
internal readonly record struct MeteredRequest(long Reservation, ProxyError? Error = null);
