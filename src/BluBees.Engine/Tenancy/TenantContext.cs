namespace BluBees.Engine.Tenancy;

/// <summary>
/// The tenant as established by a verified Forge Invocation Token, and nothing else.
/// <see cref="TenantId"/> is <c>app.installationId</c>.
/// </summary>
public sealed record TenantContext(string TenantId, string? CloudId, string? ApiBaseUrl)
{
    /// <summary>Atlassian account id of the user behind a UI invocation; null for product events.</summary>
    public string? PrincipalAccountId { get; init; }

    /// <summary>The verified tenant as the owner of a store partition (<c>IStore.ForTenant</c>).</summary>
    public Storage.TenantId Id => new(TenantId);
}
