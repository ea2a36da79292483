using System.Globalization;
using System.Net.Http.Headers;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// When Jira says to ask again: "429 responses may be accompanied by Retry-After and X-RateLimit-Reset headers";
/// <c>X-RateLimit-Reset</c> is "the timestamp (in ISO 8601 format) when the rate limit will reset … yyyy-MM-ddTHH:mmZ",
/// and a request sent before then fails again (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
/// </summary>
internal static class JiraRetryAfter
{
    public const string ResetHeader = "X-RateLimit-Reset";

    /// <summary><c>Retry-After</c> as sent (seconds or a date), else <c>X-RateLimit-Reset</c> as a date, else null.</summary>
    public static RetryConditionHeaderValue? Of(HttpResponseHeaders? headers)
    {
        if (headers?.RetryAfter is { } retryAfter)
        {
            return retryAfter;
        }

        return headers is not null && headers.TryGetValues(ResetHeader, out var values) && values.FirstOrDefault() is { } value
            && value.Contains('T', StringComparison.Ordinal) // a date, never a bare number
            && DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var reset)
            ? new RetryConditionHeaderValue(reset)
            : null;
    }
}
