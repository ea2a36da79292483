using BluBees.Engine.Storage;

namespace BluBees.Engine.Connections.Credentials;

/// <summary>
/// The one seam that turns a connection into the credential a request sends: a static secret (API key, bearer,
/// basic) decrypted just in time, or an OAuth 2.0 access token from the token provider. Every step kind (http,
/// transfer on both sides, ai.chat) asks here; nothing else decrypts a connection secret (the OAuth token machinery
/// does, to make the grant). A stored OAuth client secret or refresh token is never returned as a credential.
/// </summary>
internal interface ICredentialSource
{
    /// <summary>The credential to send now, or a failure category (<c>secret_unavailable</c>, <c>oauth_token_*</c>, …).</summary>
    ValueTask<CredentialResult> GetAsync(TenantId tenantId, Connection connection, TimeSpan timeout, CancellationToken ct);

    /// <summary>What a dry run shows: the credential's shape with its value masked. Decrypts and fetches nothing.</summary>
    Credential? Masked(Connection connection);

    /// <summary>The destination answered 401 to <paramref name="credential"/>: an OAuth access token is dropped from the cache.</summary>
    void Rejected(TenantId tenantId, Connection connection, Credential credential);
}
