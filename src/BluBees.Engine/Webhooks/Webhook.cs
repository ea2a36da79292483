namespace BluBees.Engine.Webhooks;

/// <summary>
/// A stored incoming-webhook endpoint of a tenant. <see cref="SecretCiphertext"/> is the HMAC signing secret,
/// AES-256-GCM under the tenant's data key (record id <c>webhook/&lt;id&gt;</c>); it is shown to the admin once.
/// </summary>
public sealed record Webhook(string Id, string Name, string SecretCiphertext, DateTimeOffset CreatedAt, DateTimeOffset SecretRotatedAt);

/// <summary>What the admin API accepts.</summary>
public sealed record WebhookInput
{
    public string? Name { get; init; }
}

/// <summary>What the admin API returns: never the secret, only that one is set.</summary>
public sealed record WebhookView(string Id, string Name, bool SecretSet, DateTimeOffset CreatedAt, DateTimeOffset SecretRotatedAt)
{
    public static WebhookView From(Webhook hook) => new(hook.Id, hook.Name, true, hook.CreatedAt, hook.SecretRotatedAt);
}

/// <summary>The answer to create and rotate: the view plus the new secret, the only time it is ever returned.</summary>
public sealed record WebhookWithSecret(string Id, string Name, bool SecretSet, DateTimeOffset CreatedAt, DateTimeOffset SecretRotatedAt, string Secret)
{
    public static WebhookWithSecret From(Webhook hook, string secret) => new(hook.Id, hook.Name, true, hook.CreatedAt, hook.SecretRotatedAt, secret);
}
