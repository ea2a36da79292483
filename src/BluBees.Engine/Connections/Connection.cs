namespace BluBees.Engine.Connections;

/// <summary>How a connection authenticates. <see cref="Type"/>: one of <see cref="AuthTypes.All"/>.</summary>
public sealed record ConnectionAuth
{
    public string? Type { get; init; }

    /// <summary>apiKey only: <c>header</c> or <c>query</c>.</summary>
    public string? In { get; init; }

    /// <summary>apiKey only: the header or query parameter name.</summary>
    public string? Name { get; init; }

    /// <summary>basic only: the user name (not secret; the password is the secret).</summary>
    public string? Username { get; init; }

    /// <summary>OAuth 2.0 only: the token endpoint (any origin; called through the egress guard).</summary>
    public string? TokenUrl { get; init; }

    /// <summary>OAuth 2.0 only: the client id (not secret).</summary>
    public string? ClientId { get; init; }

    /// <summary>OAuth 2.0 only, optional: space-separated scopes, sent as <c>scope</c>.</summary>
    public string? Scope { get; init; }

    /// <summary>OAuth 2.0 only: how the client secret is sent, <c>body</c> (default) or <c>basic</c>.</summary>
    public string? ClientAuth { get; init; }
}

/// <summary>
/// The stored connection. <see cref="SecretCiphertext"/> (and <see cref="ClientSecretCiphertext"/>) are
/// AES-256-GCM under the tenant data key.
/// </summary>
public sealed record Connection(
    string Id,
    string Name,
    string BaseUrl,
    ConnectionAuth Auth,
    string? SecretCiphertext,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The AI provider wire format this connection speaks (<see cref="AiProviders"/>); null for plain HTTP connections.</summary>
    public string? Provider { get; init; }

    /// <summary>Bumped by every edit: cached tokens and resilience pipelines belong to one revision.</summary>
    public int Revision { get; init; }

    /// <summary>oauth2RefreshToken only: the optional client secret, encrypted.</summary>
    public string? ClientSecretCiphertext { get; init; }

    /// <summary>Timeouts, retries, breaker and limits; null means the defaults.</summary>
    public ConnectionResilience? Resilience { get; init; }
}

/// <summary>What the admin API accepts. <see cref="Secret"/> and <see cref="ClientSecret"/> are write-only: omitted means "keep".</summary>
public sealed record ConnectionInput
{
    public string? Name { get; init; }
    public string? BaseUrl { get; init; }
    public ConnectionAuth? Auth { get; init; }
    public string? Secret { get; init; }
    public string? ClientSecret { get; init; }
    public ConnectionResilience? Resilience { get; init; }

    /// <summary>Optional: <c>openai</c> or <c>anthropic</c> makes this a connection that <c>ai.chat</c> steps can use.</summary>
    public string? Provider { get; init; }
}

/// <summary>What the admin API returns: never a secret, only whether one is set.</summary>
public sealed record ConnectionView(
    string Id,
    string Name,
    string BaseUrl,
    ConnectionAuth Auth,
    bool SecretSet,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public string? Provider { get; init; }

    public bool ClientSecretSet { get; init; }

    public ConnectionResilience? Resilience { get; init; }

    /// <summary>
    /// Bumped by every save: what an editor sends back as <c>PUT …?baseRevision=</c>, so a save based on an older
    /// revision is refused (409 <c>connection_changed</c>) instead of silently replacing someone else's change.
    /// </summary>
    public int Revision { get; init; }

    public static ConnectionView From(Connection c) => new(c.Id, c.Name, c.BaseUrl, c.Auth, c.SecretCiphertext is not null, c.CreatedAt, c.UpdatedAt)
    {
        Revision = c.Revision,
        Provider = c.Provider,
        ClientSecretSet = c.ClientSecretCiphertext is not null,
        Resilience = c.Resilience,
    };
}
