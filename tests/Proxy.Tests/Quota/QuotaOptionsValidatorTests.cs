using Proxy.Quota;

namespace Proxy.Tests.Quota;

/// <summary>The quota's settings for refunds and uncounted paths are checked at start-up, naming the setting.</summary>
public sealed class QuotaOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_SucceedAndLeaveModelListingUncounted()
    {
        var options = new QuotaOptions();

        Assert.True(new QuotaOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ExhaustedRecheckInterval);
        Assert.Equal("/v1/models,/v1/models/*", options.UncountedPaths);
    }

    [Theory]
    [InlineData("v1/models", "00:00:05", "Proxy__Quota__UncountedPaths")]
    [InlineData("/v1/*/models", "00:00:05", "Proxy__Quota__UncountedPaths")]
    [InlineData("/v1/models", "00:00:00", "Proxy__Quota__ExhaustedRecheckInterval")]
    public void Validate_BadSetting_FailsNamingIt(string uncountedPaths, string recheckInterval, string setting)
    {
        var options = new QuotaOptions { UncountedPaths = uncountedPaths, ExhaustedRecheckInterval = TimeSpan.Parse(recheckInterval, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new QuotaOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyUncountedPaths_CountsEverything()
    {
        Assert.True(new QuotaOptionsValidator().Validate(null, new QuotaOptions { UncountedPaths = string.Empty }).Succeeded);
    }
}
