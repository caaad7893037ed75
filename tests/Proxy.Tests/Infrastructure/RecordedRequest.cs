namespace Proxy.Tests.Infrastructure;

/// <summary>A request as the fake upstream received it.</summary>
internal sealed record RecordedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers);
