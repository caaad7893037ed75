using Proxy.Errors;

namespace Proxy.Health;

/// <summary>
/// What <c>/health</c> answers: the overall state and each dependency's. An <c>Unhealthy</c> answer is a 503, and, as every
/// response of 400 or more, it also carries the documented error body's fields (<see cref="ErrorBody"/>); the others
/// leave them out.
/// </summary>
internal sealed record HealthBody(string Status, IReadOnlyDictionary<string, HealthCheckBody> Checks)
{
    public string? Message { get; init; }

    public string? Path { get; init; }

    public string? RequestId { get; init; }

    public int? StatusCode { get; init; }

    public string? Timestamp { get; init; }

    public ErrorBodyDetail? Error { get; init; }
}

/// <summary>One dependency: its state and, in words, why; never an endpoint, a key or an exception's text.</summary>
internal sealed record HealthCheckBody(string Status, string Description);
