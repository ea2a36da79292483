using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BluBees.Engine.Webhooks;

/// <summary>
/// The signing scheme of incoming webhooks: <c>hex(HMAC-SHA256(key = UTF-8 of the secret, "{timestamp}.{body}"))</c>,
/// optionally written <c>sha256=&lt;hex&gt;</c>, with <c>timestamp</c> in Unix seconds. Verification is constant time.
/// </summary>
public static class WebhookSignature
{
    /// <summary>How far a timestamp may be from now, either way.</summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    private const string Prefix = "sha256=";
    private const int MacBytes = 32;

    public static string Compute(string secret, string timestamp, string body)
        => Convert.ToHexStringLower(Mac(secret, timestamp, body));

    /// <summary>Reads a signature header into MAC bytes; null when it is not a well-formed SHA-256 hex digest.</summary>
    public static byte[]? Parse(string? signature)
    {
        if (signature is null)
        {
            return null;
        }

        var hex = signature.Trim();
        if (hex.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[Prefix.Length..];
        }

        if (hex.Length != MacBytes * 2 || !hex.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        return Convert.FromHexString(hex);
    }

    /// <summary>Reads a Unix-seconds timestamp; null when it is not one.</summary>
    public static DateTimeOffset? ParseTimestamp(string? timestamp)
        => timestamp is { Length: > 0 and <= 12 } && timestamp.All(char.IsAsciiDigit)
            && long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static bool IsFresh(DateTimeOffset timestamp, DateTimeOffset now) => (now - timestamp).Duration() <= ReplayWindow;

    /// <summary>Whether <paramref name="mac"/> is the MAC of the timestamp and body under the secret (constant time).</summary>
    public static bool Matches(string secret, string timestamp, string body, byte[] mac)
    {
        var expected = Mac(secret, timestamp, body);
        try
        {
            return CryptographicOperations.FixedTimeEquals(expected, mac);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expected);
        }
    }

    private static byte[] Mac(string secret, string timestamp, string body)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        try
        {
            return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(timestamp + "." + body));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
