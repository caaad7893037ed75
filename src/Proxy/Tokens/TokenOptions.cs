namespace Proxy.Tokens;

/// <summary>
/// How the tokens of a key with a token limit are reserved before its call (docs/tokens.md). Bound from
/// <c>Proxy:Tokens</c> (<c>Proxy__Tokens__*</c>).
/// </summary>
public sealed class TokenOptions
{
    public const string SectionName = "Proxy:Tokens";

    /// <summary>
    /// The completion tokens reserved for a request that sets no cap (<c>max_tokens</c>, <c>max_completion_tokens</c>,
    /// <c>max_output_tokens</c>), unless its tier sets its own (<c>proxy-cli tiers set NAME --default-max-tokens N</c>).
    /// </summary>
    public long DefaultMaxTokens { get; set; } = 1024;

    /// <summary>
    /// The tokens reserved for each image or file a request sends (an <c>image_url</c>, <c>file_data</c> or <c>file_id</c>),
    /// in place of its bytes: an image's tokens depend on its size in pixels (at most 1,445 for GPT-4o at high detail,
    /// about 2,500 for the GPT-4.1 mini family), a file's on its pages.
    /// </summary>
    public long AttachmentTokens { get; set; } = 2500;

    /// <summary>
    /// The largest JSON body of a key with a token limit: it is read whole before the call, to reserve its tokens, so this
    /// bounds the memory each such request holds. A larger one gets the documented 413.
    /// </summary>
    public long MaxBufferedBodySize { get; set; } = 32 * 1024 * 1024;
}
