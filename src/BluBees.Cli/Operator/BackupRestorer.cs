using System.Text.Json.Nodes;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;

namespace BluBees.Cli.Operator;

/// <summary>
/// Writes a backup into a store whose tenant partition is empty (refuses otherwise), optionally under another
/// tenant id (a re-installed app gets a new installation id). Secrets are encrypted afresh under the target
/// tenant's data key, which the target's key provider creates: restoring works into any store and provider.
/// </summary>
/// <para>A restore that fails deletes the key shares it wrote too (the shares of the secrets it sealed, and the tenant's
/// own share when it deletes the data key it created): before, they stayed in <c>tenant-keys/</c> for good.</para>
internal sealed class BackupRestorer(IStore store, SecretCipher cipher, TenantService tenants, TenantKeyService? keyService = null)
{
    public async Task<IReadOnlyDictionary<string, int>> RestoreAsync(TenantBackup backup, TenantId tenantId, CancellationToken ct)
    {
        // An uninstall of the installation accepted and not finished (the embedded store's record beside the file): its
        // deletion, in the backend, would erase what the restore writes, after the restore said "restored".
        if (tenants.IsUninstallPending(tenantId))
        {
            throw new CliException(PendingRefusal(tenantId));
        }

        var partition = store.ForTenant(tenantId);
        // The data key alone is not configuration: a restore that stopped after the key provider created it (below) can run again.
        var existing = (await partition.QueryAsync(new TenantQuery(string.Empty) { Limit = 2 }, ct)).Items;
        if (existing.Any(i => i.Sk != Keys.DataKey))
        {
            throw new CliException($"refusing to restore: tenant '{tenantId}' already has items in this store. Restore only into an empty tenant partition (uninstall first, or use another store).");
        }

        // What the restore changes outside the tenant partition, as it was: the directory entry (which sealing the first
        // secret adds, before the data key) and the installation's uninstall mark (which the last step clears). A failed
        // restore used to leave the entry behind: an installation listed in the directory whose data was rolled back.
        var before = new Outside(
            Listed: await store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenantId.Value), ct) is not null,
            Mark: await new UninstalledInstallations(store, TimeProvider.System).ReadMarkAsync(tenantId, ct));

        // Every secret is sealed before anything is written: a key provider that refuses (KMS access denied or
        // throttled, an unreadable key ring) used to stop the restore after the tenant's META and SETTINGS were
        // written, and every later attempt was refused as a restore into a tenant that has items.
        List<(string Sk, string Data)> items;
        string? cloudId;
        var sealedSecrets = new List<string>();
        try
        {
            (items, cloudId) = await PrepareAsync(backup, tenantId, sealedSecrets, ct);
        }
        catch (Exception ex)
        {
            // Nothing written into the partition; a data key the provider created stays (it is not an item), and so does its entry.
            await RollBackAsync(partition, [], dataKey: false, before, tenantId, sealedSecrets, ex);
            throw;
        }

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var written = new List<string>();
        var conflict = false;
        try
        {
            foreach (var (sk, data) in items)
            {
                if (!await partition.PutIfAbsentAsync(sk, data, ct))
                {
                    conflict = true;
                    throw new CliException($"item {Kind(sk)} appeared while restoring; is a backend writing to this tenant?");
                }

                written.Add(sk);
                counts[Kind(sk)] = counts.GetValueOrDefault(Kind(sk)) + 1;
            }

            // Rule heads were written directly: a running backend's cached rule list must see them (BluBees.Engine.Rules.RuleListStamp).
            written.Add(BluBees.Engine.Rules.RuleListStamp.Sk);
            await BluBees.Engine.Rules.RuleListStamp.BumpAsync(store, tenantId, ct);

            // An uninstall of the installation that came while the restore wrote (Forge's preUninstall on the backend)
            // erased what was written before it and left what came after, which the mark's clear below would have kept
            // for good, with no uninstall to come: the uninstall wins, and what the restore wrote is rolled back.
            await RefuseIfUninstalledMeanwhileAsync(tenantId, before.Mark, ct);

            // The directory entry makes the tenant visible to key rotation, schedules and later backups.
            await tenants.RestoreAsync(new TenantContext(tenantId.Value, cloudId, null), ct);
            return counts;
        }
        catch (Exception ex)
        {
            // A store that refused a write part way used to leave a partial tenant, and every later attempt was refused
            // as a restore into a tenant that has items. What this attempt wrote is deleted, and the data key too when
            // it created it (a backend writing meanwhile may use one that was there, or that it created), so the same
            // command runs again once the store takes writes.
            // On a conflict the tenant's entry and mark are left as they are now: a backend is writing to the tenant.
            var ownKey = !conflict && !existing.Any(i => i.Sk == Keys.DataKey);
            await RollBackAsync(partition, written, ownKey, conflict ? new Outside(Listed: true, Mark: null) : before, tenantId, sealedSecrets, ex);
            throw;
        }
    }

    /// <summary>
    /// Throws when the installation was uninstalled after the restore began: its uninstall is pending (embedded store), or
    /// its uninstall mark is not the one read before the restore (one written since: a mark is written before each erase).
    /// </summary>
    private async Task RefuseIfUninstalledMeanwhileAsync(TenantId tenantId, StoreItem? markBefore, CancellationToken ct)
    {
        var mark = await new UninstalledInstallations(store, TimeProvider.System).ReadMarkAsync(tenantId, ct);
        if (tenants.IsUninstallPending(tenantId) || (mark is not null && (markBefore is null || !string.Equals(mark.Data, markBefore.Data, StringComparison.Ordinal))))
        {
            throw new CliException($"refusing to restore: tenant '{tenantId}' was uninstalled while the restore ran; what it wrote was deleted again. Restore again if the installation is to be kept.");
        }
    }

    private static string PendingRefusal(TenantId tenantId)
        => $"refusing to restore: an uninstall of tenant '{tenantId}' is still pending (the backend finishes it in the background and would erase the restore with it); nothing was written. Start the backend, which finishes it, then restore.";

    /// <summary>The directory entry's presence and the uninstall mark (as stored) before the restore.</summary>
    private sealed record Outside(bool Listed, StoreItem? Mark);

    /// <summary>
    /// Deletes what a failed restore wrote (newest first, never cancelled) and puts back what it changed outside the
    /// partition: the uninstall mark it cleared, and no directory entry when there was none (unless a data key is left,
    /// which must stay listed for key rotation). Says plainly what is left if that fails too.
    /// </summary>
    private async Task RollBackAsync(TenantStore partition, List<string> written, bool dataKey, Outside before, TenantId tenantId, IReadOnlyList<string> sealedSecrets, Exception cause)
    {
        var keys = Enumerable.Reverse(written).Concat(dataKey ? [Keys.DataKey] : []).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            try
            {
                await partition.DeleteAsync(keys[i], CancellationToken.None);
            }
            catch (Exception ex)
            {
                throw new CliException(
                    $"the restore of tenant '{tenantId}' stopped part way ({cause.GetType().Name}) and deleting what it wrote failed too ({ex.GetType().Name}): " +
                    $"{keys.Count - i} item(s) are left in the tenant partition, so a new attempt is refused. Delete the partition (uninstall, or remove its items) and restore again.");
            }
        }

        // Nothing this attempt sealed is stored any more: the secrets' shares go, and the tenant's own with the data key
        // it created (a failed restore used to leave them in tenant-keys/ for good, CliRestoreKeyShareTests).
        await cipher.ForgetAsync(tenantId, sealedSecrets, CancellationToken.None);
        if (dataKey && keyService is not null)
        {
            await keyService.ShredAsync(tenantId, CancellationToken.None);
        }

        try
        {
            if (before.Mark is { } mark)
            {
                await store.PutIfAbsentAsync(mark, CancellationToken.None);
            }

            if (!before.Listed && await partition.GetAsync(Keys.DataKey, CancellationToken.None) is null)
            {
                await store.DeleteAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenantId.Value), CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            throw new CliException(
                $"the restore of tenant '{tenantId}' stopped part way ({cause.GetType().Name}) and what it wrote in the tenant partition was deleted, but " +
                $"putting back its directory entry or uninstall mark failed too ({ex.GetType().Name}). Run the same restore again once the store takes writes.");
        }
    }

    /// <summary>The items to write, in restore order, with their secrets encrypted under the target tenant's data key.</summary>
    private async Task<(List<(string Sk, string Data)> Items, string? CloudId)> PrepareAsync(TenantBackup backup, TenantId tenantId, List<string> sealedSecrets, CancellationToken ct)
    {
        var prepared = new List<(string Sk, string Data)>();
        string? cloudId = null;
        foreach (var item in backup.Items.OrderBy(i => BackupPolicy.Order(i.Sk)))
        {
            if (BackupPolicy.Order(item.Sk) == int.MaxValue)
            {
                throw new CliException($"the backup holds an item kind this version does not restore ({Kind(item.Sk)}).");
            }

            var data = item.Data;
            if (item.Sk == Keys.TenantMeta)
            {
                cloudId = (string?)JsonNode.Parse(data)!["cloudId"];
                data = StoredMember.Set(data, "tenantId", tenantId.Value); // every other byte as backed up
            }
            else if (item.Secret is not null)
            {
                var document = JsonNode.Parse(data)!.AsObject();
                var recordId = BackupPolicy.SecretRecordId(item.Sk, (string)document["id"]!)
                    ?? throw new CliException($"the backup holds a secret for an item kind that has none ({Kind(item.Sk)}).");
                // Sealed where the export emptied them, every other byte as backed up (a later build's member kept).
                var secret = await cipher.SealSecretAsync(tenantId, recordId, item.Secret, ct);
                sealedSecrets.Add(secret);
                data = StoredMember.Set(data, BackupExporter.SecretField, secret);
                if (item.ClientSecret is not null && item.Sk.StartsWith(Keys.ConnectionPrefix, StringComparison.Ordinal))
                {
                    var clientRecordId = BluBees.Engine.Connections.ConnectionService.ClientSecretRecordId((string)document["id"]!);
                    var clientSecret = await cipher.SealSecretAsync(tenantId, clientRecordId, item.ClientSecret, ct);
                    sealedSecrets.Add(clientSecret);
                    data = StoredMember.Set(data, BackupExporter.ClientSecretField, clientSecret);
                }
            }

            prepared.Add((item.Sk, data));
        }

        return (prepared, cloudId);
    }

    private static string Kind(string sk) => sk.Contains('#', StringComparison.Ordinal) ? sk[..(sk.IndexOf('#', StringComparison.Ordinal) + 1)] : sk;
}
