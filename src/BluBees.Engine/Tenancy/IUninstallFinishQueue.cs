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
    /// <summary>
    /// The longest a request asked for before the erase waits: longer than the API function may run (template.yaml:
    /// 29 s), so that it is handled after the erase it backs up finished or was cut off (SQS's maximum delay).
    /// </summary>
    public static readonly TimeSpan AfterTheErase = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Asks for the tenant's erase to be run again, not before <paramref name="delay"/> (zero: at once, at most
    /// <see cref="AfterTheErase"/>). Throws when the request could not be recorded.
    /// </summary>
    Task RequestAsync(TenantId tenantId, TimeSpan delay, CancellationToken ct);
}
