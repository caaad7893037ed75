using System.Globalization;
using Microsoft.AspNetCore.Http;
using Proxy.Quota;

namespace Proxy.Tests.Quota;

/// <summary>The rate-limit headers say what the lease says, in both the de facto and the IETF draft forms.</summary>
public sealed class RateLimitHeadersTests
{
    [Fact]
    public void Write_AdmittedLease_GivesLimitRemainingAndReset()
    {
        var headers = new HeaderDictionary();

        RateLimitHeaders.Write(headers, new QuotaLease(QuotaDecision.Admitted, 10, 7, TimeSpan.FromSeconds(1799.2)));

        Assert.Equal("10", headers["X-RateLimit-Limit"]);
        Assert.Equal("7", headers["X-RateLimit-Remaining"]);
        Assert.Equal("1800", headers["X-RateLimit-Reset"]);
        Assert.Equal("\"hourly\";q=10;w=3600", headers["RateLimit-Policy"]);
        Assert.Equal("\"hourly\";r=7;t=1800", headers["RateLimit"]);
        Assert.False(headers.ContainsKey("Retry-After"));
    }

    [Theory]
    [InlineData(2400)]
    [InlineData(45)]
    public void Write_Refusal_SaysDoNotRetryAndWhenTheHourResetsButGivesNoRetryAfter(int secondsLeft)
    {
        var headers = new HeaderDictionary();

        RateLimitHeaders.Write(headers, new QuotaLease(QuotaDecision.Exhausted, 10, 0, TimeSpan.FromSeconds(secondsLeft)));

        Assert.Equal("false", headers["x-should-retry"]);
        Assert.False(headers.ContainsKey("Retry-After"), "the .NET SDK would sleep for it, whatever x-should-retry says");
        Assert.Equal(secondsLeft.ToString(CultureInfo.InvariantCulture), headers["X-RateLimit-Reset"]);
        Assert.Equal($"\"hourly\";r=0;t={secondsLeft}", headers["RateLimit"]);
        Assert.Equal("0", headers["X-RateLimit-Remaining"]);
    }

    [Fact]
    public void Write_UncountedLease_WritesNothing()
    {
        var headers = new HeaderDictionary();

        RateLimitHeaders.Write(headers, QuotaLease.StoreUnavailable);
        RateLimitHeaders.Write(headers, QuotaLease.Unlimited);
        RateLimitHeaders.Write(headers, QuotaLease.Uncounted);

        Assert.Empty(headers);
    }

    [Fact]
    public void Write_ShedLease_SaysRetryInASecondAndClaimsNoCount()
    {
        var headers = new HeaderDictionary();

        RateLimitHeaders.Write(headers, QuotaLease.Shed);

        Assert.Equal("1", headers["Retry-After"]);
        Assert.Single(headers);
    }
}
