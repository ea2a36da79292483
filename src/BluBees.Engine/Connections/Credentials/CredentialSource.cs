using System.Security.Cryptography;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Execution;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Connections.Credentials;

/// <summary>The <see cref="ICredentialSource"/>: static secrets through <see cref="ConnectionService"/>, OAuth 2.0 through <see cref="OAuthTokenProvider"/>.</summary>
internal sealed class CredentialSource(ConnectionService connections, OAuthTokenProvider tokens) : ICredentialSource
{
    public const string Mask = "••••••";

    public async ValueTask<CredentialResult> GetAsync(TenantId tenantId, Connection connection, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (AuthTypes.IsOAuth2(connection.Auth.Type))
        {
            // The stored secret of an OAuth connection is a client secret or refresh token: only the token endpoint sees it.
            var token = await tokens.GetAsync(tenantId, connection, timeout, ct);
            return token.Value is null
                ? CredentialResult.Fail(token.Category ?? ErrorCategories.OAuthTokenUnavailable)
                : new CredentialResult(StaticCredentials.Bearer(token.Value) with { AccessToken = token.Value }, null);
        }

        if (connection.SecretCiphertext is null || StaticCredentials.Kind(connection) is null)
        {
            return new CredentialResult(null, null);
        }

        string secret;
        try
        {
            secret = await connections.RevealSecretAsync(tenantId, connection, ct);
        }
        catch (CryptographicException)
        {
            return CredentialResult.Fail(ErrorCategories.SecretUnavailable);
        }

        return new CredentialResult(StaticCredentials.From(connection, secret), null);
    }

    public Credential? Masked(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (AuthTypes.IsOAuth2(connection.Auth.Type))
        {
            return StaticCredentials.Bearer(Mask);
        }

        return connection.SecretCiphertext is null ? null : StaticCredentials.From(connection, Mask, masked: true);
    }

    public void Rejected(TenantId tenantId, Connection connection, Credential credential)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(credential);
        if (credential.AccessToken is { } token)
        {
            tokens.Invalidate(tenantId, connection.Id, token);
        }
    }
}
