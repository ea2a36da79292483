using BluBees.Engine.Storage;

namespace BluBees.Engine.Tenancy;

/// <summary>
/// Where an uninstall refused part way asks to be finished later, when no periodic job of the deployment resumes it
/// (AWS: a message of its own kind on the run queue, which the worker answers with
/// <see cref="TenantService.FinishUninstallAsync"/>). The embedded store's retention purge resumes uninstalls itself,
/// so it registers none.
/// </summary>
public interface IUninstallFinishQueue
{
    /// <summary>Asks for the tenant's erase to be run again later. Throws when the request could not be recorded.</summary>
    Task RequestAsync(TenantId tenantId, CancellationToken ct);
}
