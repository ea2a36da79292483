using System.Globalization;
using BluBees.Engine.Egress;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>Reads <c>Retry-After</c> (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.</summary>
public static class RetryAfter
{
    public static bool TryGet(EgressResponse? response, DateTimeOffset now, out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        if (response is null || response.StatusCode is not (429 or >= 500))
        {
            return false;
        }

        foreach (var (name, value) in response.Headers)
        {
            if (!name.Equals("Retry-After", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var text = value.Trim();
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                delay = TimeSpan.FromSeconds(Math.Min(seconds, 24 * 3600));
                return true;
            }

            if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                delay = at > now ? at - now : TimeSpan.Zero;
                return true;
            }

            return false;
        }

        return false;
    }
}
