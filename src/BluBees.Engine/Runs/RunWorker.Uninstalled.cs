using System.Security.Cryptography;
using BluBees.Engine.Egress;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Runs;

/// <summary>A queued message whose tenant was uninstalled before or while it ran: dropped, or what its run wrote erased.</summary>
public sealed partial class RunWorker
{
    /// <summary>
    /// Uninstalled: the data key is shredded, the tenant's partition deleted (or being deleted); nothing can run or be
    /// recorded, and a record would name the tenant after its erase. The message is dropped (the uninstall's purge
    /// deletes it too), one Information line with its id.
    /// </summary>
    private async Task DropOfUninstalledAsync(ClaimedMessage claimed, AcceptCommit? accept)
    {
        if (accept is not null && !await accept.Settled)
        {
            return;
        }

        await queue.DropAsync(claimed.Id, CancellationToken.None);
        LogTenantGone(logger, claimed.Id);
    }

    /// <summary>
    /// Whether the tenant was uninstalled (its data key is gone). A data key that exists but does not unwrap (its
    /// key-encryption key is not in the ring) is not an uninstall: the message then fails to open below, like any
    /// unopenable message, and ends as <c>delivery_exhausted</c> after its attempts instead of failing every lease forever.
    /// </summary>
    private async Task<bool> TenantGoneAsync(Storage.TenantId tenant, CancellationToken ct)
    {
        try
        {
            return await keys.GetExistingAsync(tenant, ct) is null;
        }
        catch (CryptographicException)
        {
            return false; // logged and counted by the key service
        }
    }

    /// <summary>
    /// A run that outlived its tenant's uninstall wrote nothing back through the queue (its records need the message
    /// still queued), but the run itself may have written into the deleted partition meanwhile (the loop guard's count
    /// of a Jira-writing rule). When the tenant has no data key any more and is marked uninstalled, its data is deleted
    /// again. Costs nothing otherwise: the key the run has just used is cached.
    /// </summary>
    private async Task EraseIfUninstalledAsync(ClaimedMessage claimed)
    {
        try
        {
            if (await keys.GetExistingAsync(claimed.Tenant, CancellationToken.None) is null && await uninstalled.IsMarkedAsync(claimed.Tenant, CancellationToken.None))
            {
                await tenants.EraseAfterUninstallAsync(claimed.Tenant, CancellationToken.None);
                LogErasedAfterUninstall(logger, claimed.Id);
            }
        }
        catch (CryptographicException)
        {
            // The key exists but does not unwrap (logged by the key service): the tenant is not uninstalled.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued message {MessageId} finished after its tenant was uninstalled; what the run wrote meanwhile was deleted")]
    private static partial void LogErasedAfterUninstall(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued message {MessageId} belongs to an uninstalled tenant; dropped")]
    private static partial void LogTenantGone(ILogger logger, string messageId);
}
