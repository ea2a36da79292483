using System.Buffers.Text;
using System.Text;

namespace BluBees.Api.Tests.Hostile;

/// <summary>
/// JWS headers whose text cannot be read (invalid UTF-8, a lone surrogate escape) in <c>alg</c>, <c>kid</c> or a
/// property name, put in front of a valid token's payload and signature: what <see cref="HostileTokenTextTests"/> and
/// <see cref="HostileSupportTokenTextTests"/> send.
/// </summary>
internal static class TokenHeaderText
{
    public static readonly string[] Names =
    [
        "kid a lone surrogate", "alg a lone surrogate", "kid invalid UTF-8", "alg invalid UTF-8", "a name a lone surrogate", "a name invalid UTF-8",
    ];

    public static IEnumerable<TestCaseData> Cases() => Names.Select(n => new TestCaseData(n).SetName("token header: " + n));

    /// <summary>The token with its header replaced by the case's, kid <paramref name="kid"/> wherever the case leaves it readable.</summary>
    public static string Bend(string token, string kid, string name)
    {
        byte[] header = name switch
        {
            "kid a lone surrogate" => Utf8("{\"alg\":\"RS256\",\"kid\":\"\\ud800\"}"),
            "alg a lone surrogate" => Utf8("{\"alg\":\"\\udfff\",\"kid\":\"" + kid + "\"}"),
            "kid invalid UTF-8" => [.. Utf8("{\"alg\":\"RS256\",\"kid\":\"" + kid), 0xFF, .. Utf8("\"}")],
            "alg invalid UTF-8" => [.. Utf8("{\"alg\":\"RS"), 0xC3, 0x28, .. Utf8("\",\"kid\":\"" + kid + "\"}")],
            "a name a lone surrogate" => Utf8("{\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"\\ud800\":1}"),
            "a name invalid UTF-8" => [.. Utf8("{\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\""), 0xFE, .. Utf8("\":1}")],
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        return Base64Url.EncodeToString(header) + token[token.IndexOf('.', StringComparison.Ordinal)..];
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
