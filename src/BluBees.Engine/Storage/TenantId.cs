namespace BluBees.Engine.Storage;

/// <summary>
/// A tenant id (<c>app.installationId</c>) as the store's partition owner. Obtained from a verified
/// <see cref="Tenancy.TenantContext"/> (<see cref="Tenancy.TenantContext.Id"/>), or from a service's tenant
/// parameter, which the API fills from that context and the worker from its run message. It is the only way into a
/// tenant's partition (<see cref="TenantStores.ForTenant"/>): a call site can name a tenant, never a partition key.
/// </summary>
public readonly record struct TenantId
{
    public TenantId(string value)
    {
        // Empty would name a partition that no tenant owns. (Whitespace is not refused: the Forge token check
        // accepts any non-empty installation id, and a stricter rule here would turn such a request into a 500.)
        ArgumentException.ThrowIfNullOrEmpty(value);
        Value = value;
    }

    public string Value { get; }

    public override string ToString() => Value;
}
