using System.Net.Http.Headers;
using System.Text;
using Proxy.Cors;

namespace Proxy.Forwarding;

/// <summary>
/// Cleans the upstream's response headers in place, before YARP copies them to the client: its CORS headers are taken
/// out (<see cref="CrossOriginPolicy.IsCorsHeader"/>), a credential the upstream echoed is redacted, and a value with
/// bytes outside visible ASCII is percent-encoded (<see cref="VisibleAscii"/>) instead of making Kestrel throw and the
/// client get a 502 for a response that succeeded, and was billed.
/// </summary>
internal static class UpstreamResponseHeaders
{
    public static void Clean(HttpResponseMessage response, CredentialRedactor redactor)
    {
        Clean(response.Headers, redactor);
        Clean(response.Content.Headers, redactor);
    }

    private static void Clean(HttpHeaders headers, CredentialRedactor redactor)
    {
        // Runs on every response: a header that needs nothing (almost all of them) costs a scan and no allocation; the
        // non-validated view enumerates with a struct, unlike the client's response headers later.
        List<(string Name, string[]? Values)>? replaced = null;
        foreach (var (name, values) in headers.NonValidated)
        {
            if (CrossOriginPolicy.IsCorsHeader(name))
            {
                // Which pages may read the answer is the proxy operator's decision, not the upstream's.
                (replaced ??= []).Add((name, null));
            }
            else if (NeedsCleaning(values, redactor))
            {
                var cleaned = new string[values.Count];
                var i = 0;
                foreach (var value in values)
                {
                    cleaned[i++] = Clean(value, redactor);
                }

                (replaced ??= []).Add((name, cleaned));
            }
        }

        if (replaced is null)
        {
            return;
        }

        foreach (var (name, values) in replaced)
        {
            headers.Remove(name);
            if (values is not null)
            {
                headers.TryAddWithoutValidation(name, values);
            }
        }
    }

    private static bool NeedsCleaning(HeaderStringValues values, CredentialRedactor redactor)
    {
        foreach (var value in values)
        {
            if (redactor.Finds(value) || !VisibleAscii.IsClean(value, keepSpaces: true))
            {
                return true;
            }
        }

        return false;
    }

    // The handler decodes response headers as Latin-1 (UpstreamForwarder), so each char is one byte as it came.
    private static string Clean(string value, CredentialRedactor redactor) =>
        VisibleAscii.Encode(redactor.Redact(value)!, Encoding.Latin1, keepSpaces: true);
}
