using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Cli.Operator;

/// <summary>
/// <c>blubees tenants list</c> and <c>blubees tenants erase</c>: the installations the store knows, and the erase of one
/// whose uninstall never reached the backend (a stack deployed before the HTTP API routed <c>POST /forge/uninstall</c>
/// answered every uninstall with API Gateway's 404). The erase is the engine's own uninstall
/// (<see cref="TenantService.EraseByOperatorAsync"/>): the uninstall mark, the key shares (local ring's
/// <c>tenant-keys/</c>, the KMS key table's items) and the data key first, then the partition, the directory entry and
/// the queued messages, the database files' residue last. Only metadata is printed: ids, dates, counts by kind.
/// </summary>
internal sealed class TenantErasure(IServiceProvider services, TextWriter output)
{
    private IStore Store => services.GetRequiredService<IStore>();

    private PendingUninstalls? Pending => services.GetService<PendingUninstalls>();

    private UninstalledInstallations Marks => new(Store, services.GetRequiredService<TimeProvider>(), Pending);

    /// <summary>One line per tenant of the directory (and per uninstall recorded as pending): id, cloud id, installed-at, state.</summary>
    public async Task<int> ListAsync(CancellationToken ct)
    {
        var ids = await OperatorHost.TenantIdsAsync(services, ct);
        ids.AddRange((Pending?.List() ?? []).Where(id => !ids.Contains(id)));
        var marks = Marks;
        foreach (var id in ids.OrderBy(i => i.Value, StringComparer.Ordinal))
        {
            var (cloudId, installedAt) = await RecordOfAsync(id, ct);
            var state = Pending?.Contains(id) == true ? "uninstall pending"
                : await marks.IsMarkedAsync(id, ct) ? "uninstalled, erase unfinished"
                : "installed";
            output.WriteLine($"{id}  cloud {cloudId}  installed {installedAt}  {state}");
        }

        output.WriteLine($"{ids.Count} tenant(s)");
        return 0;
    }

    /// <summary>Erases the tenant as its uninstall does; 1 (nothing written) when the store knows nothing of it.</summary>
    public async Task<int> EraseAsync(TenantId tenant, CancellationToken ct)
    {
        var before = await InventoryAsync(tenant, ct);
        if (before.Count == 0 && !await Marks.IsMarkedAsync(tenant, ct))
        {
            output.WriteLine($"tenant {tenant} is unknown to this store (no directory entry, item, secret share, pending or recorded uninstall): nothing was erased. `blubees tenants list` shows the tenants it knows.");
            return 1;
        }

        var deleted = await services.GetRequiredService<TenantService>().EraseByOperatorAsync(tenant, ct);
        var after = await InventoryAsync(tenant, ct);
        if (after.Count > 0)
        {
            // A backend writing to the tenant meanwhile (it sees the uninstall mark within a minute): run it again.
            output.WriteLine($"erase of tenant {tenant} UNFINISHED: {deleted} item(s) deleted, still left: {Summary(after)}. Run the same command again.");
            return 1;
        }

        output.WriteLine(before.Count == 0
            ? $"tenant {tenant}: nothing left to erase (already erased); its uninstall mark is in place"
            : $"erased tenant {tenant}: {Summary(before)}; data key and key shares shredded, queued messages purged; nothing left");
        return 0;
    }

    /// <summary>What the store holds of the tenant, by kind (sort-key prefix), without a value.</summary>
    private async Task<Dictionary<string, int>> InventoryAsync(TenantId tenant, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await Store.QueryAsync(new QueryRequest(TenantStore.PartitionOf(tenant), string.Empty) { Limit = 500, StartAfter = cursor }, ct);
            foreach (var item in page.Items)
            {
                var kind = OperatorCommands.Kind(item.Sk);
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        if (await Store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenant.Value), ct) is not null)
        {
            counts["directory entry"] = 1;
        }

        if ((await services.GetRequiredService<IKeyEncryptionProvider>().ListSecretSharesAsync(tenant, ct)).Count is > 0 and var shares)
        {
            counts["secret share"] = shares;
        }

        if (Pending?.Contains(tenant) == true)
        {
            counts["pending uninstall record"] = 1;
        }

        return counts;
    }

    private async Task<(string CloudId, string InstalledAt)> RecordOfAsync(TenantId tenant, CancellationToken ct)
    {
        if (await Store.ForTenant(tenant).GetAsync(Keys.TenantMeta, ct) is not { } meta)
        {
            return ("-", "-");
        }

        try
        {
            var record = StoredJson.ReadTolerant<TenantRecord>(meta.Data);
            return (record.CloudId ?? "-", record.InstalledAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (JsonException)
        {
            return ("(unreadable)", "(unreadable)");
        }
    }

    private static string Summary(IReadOnlyDictionary<string, int> counts)
        => string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}"));
}
