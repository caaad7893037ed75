using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Proxy.Errors;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Error bodies are <c>application/json</c> for API clients, never HTML, so text is written as UTF-8 rather than
    /// <c>\uXXXX</c> (the default escapes <c>'</c> in the documented 429 message and every non-ASCII letter sixfold).
    /// Only quotes, backslashes and control characters are escaped; upstream values are bounded in this form.
    /// </summary>
    public static JavaScriptEncoder BodyEncoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The error body's metadata with <see cref="BodyEncoder"/>: the generated options, but for the encoder.</summary>
    public static JsonTypeInfo<ErrorBody> CreateBodyTypeInfo() =>
        (JsonTypeInfo<ErrorBody>)new JsonSerializerOptions(Default.Options) { Encoder = BodyEncoder }.GetTypeInfo(typeof(ErrorBody));
}
