using Proxy.Forwarding;

namespace Proxy.Tests.Forwarding;

/// <summary>The error body's own limits are checked at start-up, naming the setting, as every other upstream setting is.</summary>
public sealed class UpstreamOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var options = new UpstreamOptions();

        Assert.True(new UpstreamOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ErrorBodyTimeout);
        Assert.Equal(64 * 1024, options.MaxErrorBodySize);
    }

    [Theory]
    [InlineData(0, 65536, "Proxy__Upstream__ErrorBodyTimeout")]
    [InlineData(-1, 65536, "Proxy__Upstream__ErrorBodyTimeout")]
    [InlineData(5, 1023, "Proxy__Upstream__MaxErrorBodySize")]
    [InlineData(5, 1024 * 1024 + 1, "Proxy__Upstream__MaxErrorBodySize")]
    public void Validate_ErrorBodyLimitOutOfRange_FailsNamingTheSetting(int timeoutSeconds, int maxBytes, string setting)
    {
        var options = new UpstreamOptions { ErrorBodyTimeout = TimeSpan.FromSeconds(timeoutSeconds), MaxErrorBodySize = maxBytes };

        var result = new UpstreamOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }
}
