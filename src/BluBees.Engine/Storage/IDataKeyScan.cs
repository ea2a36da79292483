namespace BluBees.Engine.Storage;

/// <summary>
/// A store that can find every tenant holding a data key (<c>KEY</c>) without the directory (<c>DIR</c>). Builds from
/// before every key creation listed its tenant left keys outside the directory; a backend lists such a key only when
/// it first unwraps it, so an idle tenant's stayed unlisted, and key rotation, which iterates the directory, neither
/// re-wrapped it nor let retiring see it. The operator commands list them first (<see cref="Tenancy.TenantService.ListUnlistedDataKeysAsync"/>).
/// A full scan: for the rare operator command only, never on a request path.
/// </summary>
public interface IDataKeyScan
{
    IAsyncEnumerable<TenantId> TenantsWithDataKeyAsync(CancellationToken ct);
}
