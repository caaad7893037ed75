using System.Text.Json.Serialization;

namespace Proxy.Failures;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FailureRecord))]
public sealed partial class FailureJsonContext : JsonSerializerContext;
