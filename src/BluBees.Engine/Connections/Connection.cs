namespace BluBees.Engine.Connections;

/// <summary>How a connection authenticates. <see cref="Type"/>: none, apiKey, bearer or basic.</summary>
public sealed record ConnectionAuth
{
    public string? Type { get; init; }

    /// <summary>apiKey only: <c>header</c> or <c>query</c>.</summary>
    public string? In { get; init; }

    /// <summary>apiKey only: the header or query parameter name.</summary>
    public string? Name { get; init; }

    /// <summary>basic only: the user name (not secret; the password is the secret).</summary>
    public string? Username { get; init; }
}

/// <summary>The stored connection. <see cref="SecretCiphertext"/> is AES-256-GCM under the tenant data key.</summary>
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
}

/// <summary>What the admin API accepts. <see cref="Secret"/> is write-only: omitted means "keep".</summary>
public sealed record ConnectionInput
{
    public string? Name { get; init; }
    public string? BaseUrl { get; init; }
    public ConnectionAuth? Auth { get; init; }
    public string? Secret { get; init; }

    /// <summary>Optional: <c>openai</c> or <c>anthropic</c> makes this a connection that <c>ai.chat</c> steps can use.</summary>
    public string? Provider { get; init; }
}

/// <summary>What the admin API returns: never the secret, only whether one is set.</summary>
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

    public static ConnectionView From(Connection c) => new(c.Id, c.Name, c.BaseUrl, c.Auth, c.SecretCiphertext is not null, c.CreatedAt, c.UpdatedAt) { Provider = c.Provider };
}
