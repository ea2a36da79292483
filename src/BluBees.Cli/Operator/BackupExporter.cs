using System.Text.Json.Nodes;
using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Crypto;
using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using Microsoft.Extensions.Options;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;

namespace BluBees.Cli.Operator;

/// <summary>Reads one tenant's configuration out of the store and decrypts its secrets for the backup file.</summary>
internal sealed class BackupExporter(IStore store, SecretCipher cipher, TimeProvider time, PendingUninstalls? pending = null)
{
    public const string SecretField = "secretCiphertext";
    public const string ClientSecretField = "clientSecretCiphertext";

    public async Task<TenantBackup> ExportAsync(TenantId tenantId, CancellationToken ct)
    {
        // An uninstall marks the installation before it erases anything, and an erase cut off (the backend killed, the
        // file locked) is finished only by a later retention purge: whatever is still stored of a marked installation is
        // on its way out. A backup holds the secrets decrypted, out of reach of the crypto-shredding, so exporting it now
        // would keep the uninstalled tenant's secrets and definitions for as long as the file lives. On the embedded store
        // an uninstall accepted while the file was locked is recorded beside it before its mark is in the store
        // (PendingUninstalls): that counts too (CliExportPendingUninstallTests).
        if (await UninstalledAsync(tenantId, ct))
        {
            throw new CliException($"refusing to export: tenant '{tenantId}' was uninstalled and its data is being erased; nothing was written.");
        }

        var partition = store.ForTenant(tenantId);
        var items = new List<BackupItem>();
        foreach (var sk in BackupPolicy.ExactKeys)
        {
            if (await partition.GetAsync(sk, ct) is { } item && await ToBackupRereadingAsync(tenantId, partition, item, ct) is { } backedUp)
            {
                items.Add(backedUp);
            }
        }

        foreach (var prefix in BackupPolicy.Prefixes)
        {
            string? cursor = null;
            do
            {
                var page = await partition.QueryAsync(new TenantQuery(prefix) { Limit = 500, StartAfter = cursor }, ct);
                foreach (var item in page.Items)
                {
                    if (await ToBackupRereadingAsync(tenantId, partition, item, ct) is { } backedUp)
                    {
                        items.Add(backedUp);
                    }
                }

                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }

        await AddWhatLaterHeadsNeedAsync(tenantId, partition, items, ct);
        if (items.Count == 0)
        {
            throw new CliException($"tenant '{tenantId}' has no configuration in this store (not installed, or a wrong store).");
        }

        // Again once everything is read, before the caller writes anything: an uninstall that came while the export read
        // (Forge's preUninstall on the backend) marked the installation before it erased, and what was read before its
        // erase (secrets decrypted among it) must not outlive it in a file (CliExportUninstallRaceTests).
        if (await UninstalledAsync(tenantId, ct))
        {
            throw new CliException($"refusing to export: tenant '{tenantId}' was uninstalled while the export ran; nothing was written.");
        }

        return new TenantBackup(TenantBackup.CurrentVersion, tenantId.Value, time.GetUtcNow(), items);
    }

    /// <summary>Whether the installation is marked uninstalled in the store, or its uninstall recorded as pending beside it.</summary>
    private async Task<bool> UninstalledAsync(TenantId tenantId, CancellationToken ct)
        => await new UninstalledInstallations(store, time, pending).IsMarkedAsync(tenantId, ct);

    /// <summary>
    /// The connections, webhooks and versions are read before the heads (restore order), so a rule saved in between (an
    /// admin editing while the export runs) had its head exported pointing at a version that was not (restored, the
    /// rule opened for no one and never ran), or using a connection or webhook created meanwhile and not exported
    /// (restored, the rule's step or trigger pointed at nothing). Whatever a head names and the export lacks is read now.
    /// </summary>
    private async Task AddWhatLaterHeadsNeedAsync(TenantId tenantId, TenantStore partition, List<BackupItem> items, CancellationToken ct)
    {
        var exported = items.Select(i => i.Sk).ToHashSet(StringComparer.Ordinal);
        // Read tolerantly: only for what the head names; the head itself is exported as stored (a later build's member kept).
        foreach (var head in items.Where(i => i.Sk.StartsWith(Keys.RulePrefix, StringComparison.Ordinal)).Select(i => StoredJson.ReadTolerant<RuleHead>(i.Data)).ToList())
        {
            IEnumerable<string> needed = [Keys.RuleVersion(head.Id, head.Version), .. head.Connections.Select(Keys.Connection)];
            if (head.WebhookId is { } hook)
            {
                needed = needed.Append(Keys.Webhook(hook));
            }

            foreach (var sk in needed)
            {
                if (exported.Add(sk) && await partition.GetAsync(sk, ct) is { } item)
                {
                    if (await ToBackupRereadingAsync(tenantId, partition, item, ct) is { } backedUp)
                    {
                        items.Add(backedUp);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="ToBackupAsync"/>, reading the item again when its secret does not open because the admin deleted or
    /// replaced it after the item was read (its key share is deleted with it: docs/security.md, "Deleting or replacing a
    /// secret"): the item as it is now, or nothing when it is gone. Before, such a race failed the export.
    /// </summary>
    private async Task<BackupItem?> ToBackupRereadingAsync(TenantId tenantId, TenantStore partition, StoreItem item, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ToBackupAsync(tenantId, item, ct);
            }
            catch (System.Security.Cryptography.CryptographicException) when (attempt < 3)
            {
                var current = await partition.GetAsync(item.Sk, ct);
                if (current is null)
                {
                    return null;
                }

                if (current.Data == item.Data && current.Revision == item.Revision
                    && (!item.Sk.StartsWith(Keys.ConnectionPrefix, StringComparison.Ordinal) || attempt > 0))
                {
                    throw; // nothing changed: a key fault, not a race
                }

                item = current; // a connection's rotated refresh token lives in its own item: read again once
            }
        }
    }

    private async Task<BackupItem> ToBackupAsync(TenantId tenantId, StoreItem item, CancellationToken ct)
    {
        if (JsonNode.Parse(item.Data) is not JsonObject document
            || document[SecretField] is not JsonValue ciphertext
            || (string?)document["id"] is not { } id
            || BackupPolicy.SecretRecordId(item.Sk, id) is not { } recordId)
        {
            return new BackupItem(item.Sk, item.Data);
        }

        string? secret, clientSecret = null;
        if (item.Sk.StartsWith(Keys.ConnectionPrefix, StringComparison.Ordinal))
        {
            // A refresh token the server rotated replaces the configured one: the configured one may be dead.
            // Read tolerantly, for its secrets only: the document is exported as stored (a later build's member kept, and
            // restored with it, so the restored connection is still one that build saved); before, the export failed.
            var connection = StoredJson.ReadTolerant<Connection>(item.Data);
            secret = connection.Auth.Type == AuthTypes.OAuth2RefreshToken
                ? await new RotatedRefreshTokens(store, cipher).RevealAsync(tenantId, connection, ct)
                : await cipher.DecryptAsync(tenantId, recordId, (string)ciphertext!, ct);
            clientSecret = await new ConnectionService(store, cipher, time, Options.Create(new EgressOptions())).RevealClientSecretAsync(tenantId, connection, ct);
        }
        else
        {
            secret = await cipher.DecryptAsync(tenantId, recordId, (string)ciphertext!, ct);
        }

        // The ciphertexts are emptied in place, every other byte as stored (not re-serialized, nor the member removed):
        // the restore seals the secrets again where they stood, so the restored document is the stored one but for them.
        var data = StoredMember.Set(item.Data, SecretField, null);
        if (clientSecret is not null)
        {
            data = StoredMember.Set(data, ClientSecretField, null);
        }

        return new BackupItem(item.Sk, data, secret, clientSecret);
    }
}
