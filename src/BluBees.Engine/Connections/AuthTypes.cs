namespace BluBees.Engine.Connections;

public static class AuthTypes
{
    public const string None = "none";
    public const string ApiKey = "apiKey";
    public const string Bearer = "bearer";
    public const string Basic = "basic";

    /// <summary>OAuth 2.0 client-credentials grant: the secret is the client secret.</summary>
    public const string OAuth2ClientCredentials = "oauth2ClientCredentials";

    /// <summary>OAuth 2.0 refresh-token grant: the secret is the refresh token; <c>clientSecret</c> is optional.</summary>
    public const string OAuth2RefreshToken = "oauth2RefreshToken";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        None, ApiKey, Bearer, Basic, OAuth2ClientCredentials, OAuth2RefreshToken,
    };

    public static bool IsOAuth2(string? type) => type is OAuth2ClientCredentials or OAuth2RefreshToken;
}
