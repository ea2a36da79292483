using System.Text;

namespace BluBees.Engine.Connections.Credentials;

/// <summary>
/// How a decrypted static secret becomes the credential to send, per auth type. OAuth 2.0 types have no static
/// credential: their stored secret is for the token endpoint, so <see cref="From"/> returns null for them.
/// </summary>
internal static class StaticCredentials
{
    /// <summary>The placement of a static credential for this connection, or null when it sends none.</summary>
    public static CredentialPlacement? Kind(Connection connection) => connection.Auth.Type switch
    {
        AuthTypes.Bearer or AuthTypes.Basic => CredentialPlacement.Header,
        AuthTypes.ApiKey when connection.Auth.In == "header" => CredentialPlacement.Header,
        AuthTypes.ApiKey when connection.Auth.In == "query" => CredentialPlacement.Query,
        _ => null,
    };

    /// <summary>The credential for a decrypted static secret; null for <c>none</c>, OAuth 2.0 or a missing secret.</summary>
    public static Credential? From(Connection? connection, string? secret, bool masked = false)
    {
        if (connection is null || secret is null)
        {
            return null;
        }

        return connection.Auth.Type switch
        {
            AuthTypes.Bearer => Bearer(secret),
            AuthTypes.Basic => new Credential(
                CredentialPlacement.Header, "Authorization",
                "Basic " + (masked || secret == CredentialSource.Mask ? secret : Convert.ToBase64String(Encoding.UTF8.GetBytes(connection.Auth.Username + ":" + secret)))),
            AuthTypes.ApiKey when connection.Auth.In == "header" => new Credential(CredentialPlacement.Header, connection.Auth.Name!, secret),
            AuthTypes.ApiKey when connection.Auth.In == "query" => new Credential(CredentialPlacement.Query, connection.Auth.Name!, secret),
            _ => null,
        };
    }

    internal static Credential Bearer(string token) => new(CredentialPlacement.Header, "Authorization", "Bearer " + token);
}
