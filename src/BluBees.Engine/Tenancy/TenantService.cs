using System.Collections.Concurrent;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Tenancy;

/// <summary>Tenant metadata stored for an installation (no customer data: ids and dates).</summary>
public sealed record TenantRecord(string TenantId, string? CloudId, DateTimeOffset InstalledAt, DateTimeOffset UpdatedAt);

/// <summary>Install, upgrade and uninstall. Uninstall deletes the whole partition, data key included.</summary>
public sealed class TenantService(
    IStore store, TenantKeyService keys, ITenantDataCache rules, TimeProvider time, IEnumerable<ITenantQueuePurge>? queues = null,
    UninstalledInstallations? uninstalled = null, ITenantCredentialCache? credentials = null, IUninstallFinishQueue? finishing = null,
    Microsoft.Extensions.Logging.ILogger<TenantService>? logger = null, IEnumerable<ITenantMemory>? memories = null,
    PendingUninstalls? pending = null)
{
    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);

    // Every composition marks uninstalls, the operator CLI's included (one not registering the service gets its own).
    private readonly UninstalledInstallations _uninstalled = uninstalled ?? new UninstalledInstallations(store, time, pending);

    /// <summary>Whether an uninstall of the installation was accepted and its deletion is not finished yet (embedded store).</summary>
    public bool IsUninstallPending(TenantId tenantId) => _uninstalled.IsPending(tenantId);

    /// <summary>
    /// Creates the tenant record (and directory entry) when missing; cheap after the first call. Each is read first and
    /// written only when missing: the first event of every tenant after a start comes here, and the unconditional
    /// writes waited for SQLite's write lock up to the command timeout (30 s) while another process held it, before the
    /// accept reached the queue, whose wait is bounded (<c>LockedFirstEventAfterStartTests</c>). Reads take no lock.
    /// </summary>
    public async Task EnsureAsync(TenantContext tenant, CancellationToken ct)
    {
        if (_known.ContainsKey(tenant.TenantId))
        {
            return;
        }

        var partition = store.ForTenant(tenant.Id);
        if (await partition.GetAsync(Keys.TenantMeta, ct) is null)
        {
            var now = time.GetUtcNow();
            var record = new TenantRecord(tenant.TenantId, tenant.CloudId, now, now);
            await partition.PutIfAbsentAsync(Keys.TenantMeta, StoredJson.Write(record), ct);
        }

        await TenantDirectory.EnsureListedAsync(store, tenant.Id, ct);
        _known.TryAdd(tenant.TenantId, true);
    }

    /// <summary>
    /// Installs (clears an uninstall mark of the same id first); false when an uninstall of the installation marked it
    /// after that clear, while this install was writing: what the install wrote is erased again (see
    /// <see cref="StillInstalledAfterWritesAsync"/>).
    /// </summary>
    public async Task<bool> InstallAsync(TenantContext tenant, CancellationToken ct)
    {
        await _uninstalled.ClearAsync(tenant.Id, ct);

        _known.TryRemove(tenant.TenantId, out _);
        await EnsureAsync(tenant, ct);
        await keys.GetOrCreateAsync(tenant.Id, ct);
        return await StillInstalledAfterWritesAsync(tenant.Id);
    }

    /// <summary>
    /// An operator's restore of a tenant from a backup (the CLI): the installation's uninstall mark, if any, is
    /// cleared (restoring is the deliberate opposite of the uninstall), then the tenant record is ensured.
    /// </summary>
    public async Task RestoreAsync(TenantContext tenant, CancellationToken ct)
    {
        await _uninstalled.ClearAsync(tenant.Id, ct);

        await EnsureAsync(tenant, ct);
    }

    /// <summary>
    /// Updates the tenant record; false (nothing written) when the installation was uninstalled: a late or retried
    /// upgraded event (Forge redelivers up to 4 times and events may arrive late, in any order:
    /// https://developer.atlassian.com/platform/forge/remote/sending-product-events/) must not recreate the META and
    /// directory entry of a tenant whose uninstall already deleted them, which no later uninstall would delete.
    /// </summary>
    public async Task<bool> UpgradeAsync(TenantContext tenant, CancellationToken ct)
    {
        if (await _uninstalled.IsUninstalledAsync(tenant.Id, ct))
        {
            return false;
        }

        await EnsureAsync(tenant, ct);
        var item = await store.ForTenant(tenant.Id).GetAsync(Keys.TenantMeta, ct);
        if (item is not null)
        {
            // Read leniently and written back keeping what a later build added: after a rollback, a record it wrote made
            // every upgraded/installed life-cycle event of the tenant answer 500 (retried by Forge, never succeeding).
            var record = StoredJson.ReadTolerant<TenantRecord>(item.Data) with { UpdatedAt = time.GetUtcNow(), CloudId = tenant.CloudId };
            await store.ForTenant(tenant.Id).PutAsync(item with { Data = StoredJson.WriteKeepingUnknown(item.Data, record) }, ct);
        }

        return await StillInstalledAfterWritesAsync(tenant.Id);
    }

    /// <summary>
    /// Whether the installation is still not marked uninstalled after a life-cycle event's writes. The check above them
    /// is not enough: an uninstall (on this instance or another) that marks and erases between that check and the writes
    /// has them recreate the META item, the directory entry or a data key after its delete (an upgraded event Forge sent
    /// just before the uninstall), which no later uninstall would delete. The mark is written before the uninstall's erase
    /// and read here after the writes, so either that erase comes after them, or this read sees the mark: then what
    /// the event wrote is erased again (false: the caller answers as for an uninstalled installation).
    /// </summary>
    private async Task<bool> StillInstalledAfterWritesAsync(TenantId tenantId)
    {
        if (!await _uninstalled.IsMarkedAsync(tenantId, CancellationToken.None))
        {
            return true;
        }

        // Not bounded by a life-cycle event's write wait (StoreWriteWait): an erase given up part way would leave what
        // the event wrote after the uninstall's erase.
        using (StoreWriteWait.Unbounded())
        {
            await EraseAsync(tenantId, CancellationToken.None, rebuildNow: false);
        }

        return false;
    }

    /// <summary>
    /// An installed or upgraded event that does not say which (Atlassian's life-cycle examples carry no event type), and a
    /// redelivered installed event (it carries <c>retryContext</c>: the installed event as Forge first sent it, so never
    /// an install after an uninstall of the installation): the upgrade's update, then the install's data key; false
    /// (nothing written, the uninstall mark kept) when the installation was uninstalled. Unlike <see cref="InstallAsync"/>
    /// it never clears the mark: a redelivery that did would bring the uninstalled installation back, its data key and
    /// every still-valid token of it included.
    /// </summary>
    public async Task<bool> InstalledOrUpgradedAsync(TenantContext tenant, CancellationToken ct)
    {
        if (!await UpgradeAsync(tenant, ct))
        {
            return false;
        }

        await keys.GetOrCreateAsync(tenant.Id, ct);
        return await StillInstalledAfterWritesAsync(tenant.Id);
    }

    /// <summary>Deletes every item of the tenant, its wrapped data key included (crypto-shredding), and its queued messages.</summary>
    public async Task<int> UninstallAsync(TenantId tenantId, CancellationToken ct)
    {
        // First: from now on no request of this installation can create its data again.
        await _uninstalled.MarkAsync(tenantId, ct);
        if (finishing is not null)
        {
            // Before the erase, delayed past the longest the API function may run: an erase cut off where nothing
            // can catch it (the function's timeout on a big tenant, the process killed) is still finished.
            await RequestFinishAsync(finishing, tenantId, IUninstallFinishQueue.AfterTheErase, refusal: null);
        }

        try
        {
            return await EraseAsync(tenantId, ct);
        }
        catch (Exception ex) when (finishing is not null && ex is not OutOfMemoryException)
        {
            // Refused part way (Forge does not retry a preUninstall, and DynamoDB has no periodic job to resume it):
            // asked to be finished later. The erase still fails (503), whether or not the request was recorded.
            await RequestFinishAsync(finishing, tenantId, TimeSpan.Zero, ex);
            throw;
        }
    }

    /// <summary>
    /// The preUninstall's uninstall, answered within a bounded time (Forge calls it once, best effort within 55 s:
    /// https://developer.atlassian.com/platform/forge/manifest-reference/modules/pre-uninstall-trigger/). On the embedded
    /// store the uninstall is first recorded outside the SQLite file (<see cref="PendingUninstalls"/>), then run with
    /// each store write waiting at most <paramref name="writeWait"/> for the write lock (another process may hold it):
    /// the number of items deleted, or null when it could not finish now, which <see cref="PendingUninstallService"/>
    /// then does in the background, after a restart too. Elsewhere (no such record) it is <see cref="UninstallAsync"/>.
    /// </summary>
    public async Task<int?> UninstallWithinAsync(TenantId tenantId, TimeSpan writeWait)
    {
        if (pending is null || !TryRecordPending(tenantId))
        {
            return await UninstallAsync(tenantId, CancellationToken.None);
        }

        int deleted;
        try
        {
            using (StoreWriteWait.Bound(writeWait))
            {
                deleted = await UninstallAsync(tenantId, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (logger is not null)
            {
                TenantLog.UninstallLeftPending(logger, ex.GetType().Name);
            }

            pending.Signal();
            return null;
        }

        pending.Complete(tenantId);
        return deleted;
    }

    private bool TryRecordPending(TenantId tenantId)
    {
        try
        {
            return _uninstalled.RecordPending(tenantId);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // the data directory refuses the record (the disk full): the uninstall runs as before, unbounded
        }
    }

    /// <summary>
    /// Finishes an uninstall recorded as pending (<see cref="PendingUninstalls"/>): the mark in the store, then the erase,
    /// data key first, each write waiting for the lock as long as it takes; the record goes last, once nothing is left.
    /// Idempotent. Throws when the store refuses (the record stays, and it is tried again).
    /// </summary>
    public async Task<int> FinishPendingUninstallAsync(TenantId tenantId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        int deleted;
        using (StoreWriteWait.Unbounded())
        {
            await _uninstalled.MarkAsync(tenantId, CancellationToken.None);
            deleted = await EraseAsync(tenantId, CancellationToken.None);
        }

        pending?.Complete(tenantId);
        return deleted;
    }

    /// <summary>
    /// An operator's erase of an installation whose uninstall never reached the backend (<c>blubees tenants erase</c>):
    /// the uninstall itself, unbounded. On the embedded store it is recorded as pending first, as the preUninstall's
    /// is, so that one cut off (the command killed, the store refusing) is finished by the backend's
    /// <see cref="PendingUninstallService"/>; elsewhere it is <see cref="UninstallAsync"/> (run it again to finish).
    /// Returns the number of store items deleted.
    /// </summary>
    public Task<int> EraseByOperatorAsync(TenantId tenantId, CancellationToken ct)
        => TryRecordPending(tenantId) ? FinishPendingUninstallAsync(tenantId, ct) : UninstallAsync(tenantId, ct);

    private async Task RequestFinishAsync(IUninstallFinishQueue queue, TenantId tenantId, TimeSpan delay, Exception? refusal)
    {
        var cause = refusal?.GetType().Name ?? "none yet";
        try
        {
            await queue.RequestAsync(tenantId, delay, CancellationToken.None);
            if (logger is not null && refusal is not null)
            {
                TenantLog.FinishRequested(logger, cause);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (logger is not null)
            {
                TenantLog.FinishNotRequested(logger, cause, ex.GetType().Name);
            }
        }
    }

    /// <summary>
    /// Finishes an uninstall that was refused part way, when asked to by <see cref="IUninstallFinishQueue"/>: the tenant's
    /// data is erased again, its data key first, only while its installation is still marked uninstalled (a request
    /// for any other tenant, or one whose restore cleared the mark, does nothing). Idempotent: an erase already finished
    /// finds nothing. False when the installation is not marked; a refused erase throws (the request is retried).
    /// </summary>
    public async Task<bool> FinishUninstallAsync(TenantId tenantId, CancellationToken ct)
    {
        if (!await _uninstalled.IsMarkedAsync(tenantId, ct))
        {
            return false;
        }

        await EraseAsync(tenantId, CancellationToken.None);
        return true;
    }

    /// <summary>
    /// Deletes the tenant's data again after a request that began before its uninstall wrote some (the API calls this
    /// when <see cref="UninstalledInstallations.Marks"/> moved during the request and the tenant is marked).
    /// </summary>
    /// <remarks>
    /// The file was rebuilt by the uninstall itself; what such a request or run wrote since is little, and several may
    /// end together (the runs in flight at the uninstall), so the WAL is erased now and the rebuild left to the next purge.
    /// </remarks>
    public Task<int> EraseAfterUninstallAsync(TenantId tenantId, CancellationToken ct) => EraseAsync(tenantId, ct, rebuildNow: false);

    private async Task<int> EraseAsync(TenantId tenantId, CancellationToken ct, bool rebuildNow = true)
    {
        // The data key first (crypto-shredding): the partition delete is many batches on DynamoDB, and one that fails
        // part way (throttling after the SDK's retries; Forge does not retry a pre-uninstall) must not leave it behind.
        // The tenant's own key material outside the store goes first of all (the local ring's share): the key-encryption
        // keys serve every tenant and stay, so without it an old copy of the store would open the data key again.
        await keys.ShredAsync(tenantId, ct);
        var partition = store.ForTenant(tenantId);
        var deleted = await partition.DeleteAsync(Keys.DataKey, ct) ? 1 : 0;
        // What this process holds of the tenant goes before the partition's delete too, which may be refused part way
        // (then the AWS worker or the next purge finishes it, in another process or later): not only when it succeeds.
        ForgetInMemory(tenantId);
        deleted += await partition.DeleteAllAsync(ct);
        await store.DeleteAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenantId.Value), ct);
        ForgetInMemory(tenantId); // again: a request or run in flight may have refilled a cache meanwhile
        // Its queued messages go too (unreadable without the key, but ciphertext all the same); a run in flight then
        // finds its message gone and writes nothing back.
        foreach (var queue in queues ?? [])
        {
            await queue.PurgeTenantAsync(tenantId, ct);
        }

        // The deleted rows (wrapped data key included) must not survive in the store's own files (SQLite's WAL, and
        // stale copies of moved rows in pages' unallocated space: the file is rebuilt).
        if (store is IResidueEraser eraser)
        {
            if (!rebuildNow)
            {
                eraser.RebuildAtNextPurge();
                await eraser.EraseResidueAsync(ct);
            }
            else if (!await eraser.RebuildAndEraseResidueAsync(ct) && logger is not null)
            {
                TenantLog.EraseUnfinished(logger);
            }
        }

        return deleted;
    }

    /// <summary>
    /// Drops everything this process holds in memory for the tenant: its data key, compiled rules and rule lists, the
    /// access tokens of its connections, every <see cref="ITenantMemory"/> (Jira field lists, Jira permission answers,
    /// connection pipelines with their breaker and rate-limit state) and its "known" mark.
    /// </summary>
    private void ForgetInMemory(TenantId tenantId)
    {
        keys.Evict(tenantId);
        rules.Clear();
        credentials?.ForgetTenant(tenantId); // access tokens of its connections held in memory
        foreach (var memory in memories ?? [])
        {
            memory.ForgetTenant(tenantId);
        }

        _known.TryRemove(tenantId.Value, out _);
    }

    /// <summary>
    /// Finishes uninstalls that were cut off after their mark (the process killed, the store refusing a delete: Forge
    /// does not retry a preUninstall): a tenant still in the directory whose installation is marked uninstalled is
    /// erased again, its data key first. The directory entry is deleted last, so it outlives any part-way delete.
    /// One point read per tenant; the embedded store's retention runs it at start and at every purge.
    /// </summary>
    public async Task<int> ResumeUninstallsAsync(CancellationToken ct)
    {
        var tenants = new List<TenantId>();
        await foreach (var id in ListTenantIdsAsync(ct))
        {
            tenants.Add(id);
        }

        var resumed = 0;
        foreach (var id in tenants)
        {
            if (await _uninstalled.IsMarkedAsync(id, ct))
            {
                await EraseAsync(id, CancellationToken.None);
                resumed++;
            }
        }

        return resumed;
    }

    /// <summary>
    /// Lists in the directory every tenant whose data key is not listed yet (stored by a build from before every key
    /// creation listed its tenant, and not unwrapped since), where the store can find them (<see cref="IDataKeyScan"/>).
    /// Key rotation and retiring call it first, so that they see every data key. Returns how many it listed.
    /// </summary>
    public async Task<int> ListUnlistedDataKeysAsync(CancellationToken ct)
    {
        if (store is not IDataKeyScan scan)
        {
            return 0;
        }

        var listed = 0;
        await foreach (var tenantId in scan.TenantsWithDataKeyAsync(ct))
        {
            if (await TenantDirectory.EnsureListedAsync(store, tenantId, ct))
            {
                // An uninstall that removed the key meanwhile takes the entry back (no trace of the tenant stays).
                if (await store.ForTenant(tenantId).GetAsync(Keys.DataKey, ct) is null)
                {
                    await store.DeleteAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenantId.Value), ct);
                    continue;
                }

                listed++;
            }
        }

        return listed;
    }

    /// <summary>Every installed tenant id (key rotation, backups, schedules).</summary>
    public async IAsyncEnumerable<TenantId> ListTenantIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? cursor = null;
        do
        {
            var page = await store.QueryAsync(new QueryRequest(Keys.DirectoryPk, Keys.DirectoryEntryPrefix) { Limit = 500, StartAfter = cursor }, ct);
            foreach (var item in page.Items)
            {
                yield return TenantDirectory.TenantIdOf(item);
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }
}
