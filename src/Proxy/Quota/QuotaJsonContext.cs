using System.Text.Json.Serialization;

namespace Proxy.Quota;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(QuotaStatusBody))]
internal sealed partial class QuotaJsonContext : JsonSerializerContext;
