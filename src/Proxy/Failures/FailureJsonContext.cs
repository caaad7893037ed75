using System.Text.Json.Serialization;

namespace Proxy.Failures;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FailureRecord))]
[JsonSerializable(typeof(IReadOnlyList<FailureCount>))]
public sealed partial class FailureJsonContext : JsonSerializerContext;
