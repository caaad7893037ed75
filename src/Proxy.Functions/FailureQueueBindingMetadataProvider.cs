using System.Collections.Immutable;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.Options;
using Proxy.Failures;

namespace Proxy.Functions;

/// <summary>
/// Gives the host the archive trigger's queue name already resolved. The host resolves a <c>%Setting%</c> binding
/// expression from its app settings alone and, when the setting is absent, disables the function with an indexing
/// error, while the sender (in this worker) falls back to the documented default <c>proxy-failures</c>: records would
/// be queued that nobody archives. Resolved here, from the worker's own validated <see cref="FailureOptions"/>, the
/// sender and the trigger always name the same queue, set or not.
/// </summary>
internal sealed class FailureQueueBindingMetadataProvider(IOptions<FailureOptions> options) : IFunctionMetadataProvider
{
    /// <summary>The placeholder the trigger attribute carries; nothing else may bind to it.</summary>
    public const string QueueNamePlaceholder = "%Proxy:Failures:QueueName%";

    private readonly GeneratedFunctionMetadataProvider _generated = new();

    public async Task<ImmutableArray<IFunctionMetadata>> GetFunctionMetadataAsync(string directory)
    {
        var functions = await _generated.GetFunctionMetadataAsync(directory).ConfigureAwait(false);
        foreach (var function in functions)
        {
            var bindings = function.RawBindings ?? [];
            for (var i = 0; i < bindings.Count; i++)
            {
                // Queue names are lowercase letters, digits and hyphens (validated), so they need no JSON escaping.
                bindings[i] = bindings[i].Replace(QueueNamePlaceholder, options.Value.QueueName, StringComparison.Ordinal);
            }
        }

        return functions;
    }
}
