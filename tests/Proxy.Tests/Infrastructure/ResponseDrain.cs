namespace Proxy.Tests.Infrastructure;

/// <summary>Reads a streamed response body to its end without keeping it, and says how many bytes came.</summary>
internal static class ResponseDrain
{
    public static async Task<long> CountBytesAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        long received = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            received += read;
        }

        return received;
    }
}
