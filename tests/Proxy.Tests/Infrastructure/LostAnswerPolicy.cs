using Azure.Core;
using Azure.Core.Pipeline;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Loses the answer of a write the store applied, as a connection that drops after the request went through does: the
/// request reaches Azurite and is carried out, then the client sees an <see cref="IOException"/> instead of the response,
/// and the storage SDK's retry policy sends it again. Armed for a number of writes; reads pass untouched.
/// </summary>
internal sealed class LostAnswerPolicy : HttpPipelinePolicy
{
    private int _armed;

    /// <summary>The answers of the next <paramref name="writes"/> writes (PUT, MERGE, POST, DELETE) are lost.</summary>
    public void LoseNextAnswers(int writes) => Volatile.Write(ref _armed, writes);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        ThrowIfLost(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        ThrowIfLost(message);
    }

    private void ThrowIfLost(HttpMessage message)
    {
        if (message.Request.Method == RequestMethod.Get || message.Response.Status >= 300)
        {
            return;
        }

        while (Volatile.Read(ref _armed) is var armed and > 0)
        {
            if (Interlocked.CompareExchange(ref _armed, armed - 1, armed) == armed)
            {
                throw new IOException("The connection dropped before the answer arrived (LostAnswerPolicy).");
            }
        }
    }
}
