using BluBees.Engine.Crypto;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Hosting;

/// <summary>
/// The embedded implementations, one method per concern. The hosts' provider switch
/// (<c>BluBees.Aws.Composition.ProviderSwitch</c>) calls exactly one of these or its AWS counterpart per concern;
/// engine-only hosts (tests) take all of them with <see cref="AddEmbeddedProviders"/>.
/// </summary>
public static class EmbeddedProviders
{
    /// <summary>SQLite store, local key ring, durable SQLite queue and its in-process worker.</summary>
    public static IServiceCollection AddEmbeddedProviders(this IServiceCollection services)
        => services.AddSqliteStore().AddLocalKeys().AddSqliteRunQueue().AddInProcessWorker();

    /// <summary>
    /// The SQLite store, with its record of uninstalls not finished yet (<see cref="Tenancy.PendingUninstalls"/>, beside
    /// the file) and the service that finishes them (a host's; the operator CLI starts no hosted service).
    /// </summary>
    public static IServiceCollection AddSqliteStore(this IServiceCollection services)
    {
        services.AddSingleton<Tenancy.PendingUninstalls>();
        services.AddHostedService<Tenancy.PendingUninstallService>();
        return services.AddSingleton<IStore, SqliteStore>();
    }

    public static IServiceCollection AddLocalKeys(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var keys = sp.GetRequiredService<IOptions<KeyOptions>>().Value;
            // Asked once, at start, and only when the ring file is missing (a first start's directory is empty); only
            // beside the embedded database, whose data directory holds the ring: a DynamoDB table with a local ring (a
            // test set-up) gets no table call at start (the readiness path must not need the table).
            Func<bool>? holdsDataKeys = null;
            if (storage.Provider == StorageProvider.Sqlite)
            {
                var store = sp.GetRequiredService<IStore>();
                holdsDataKeys = () => HoldsDataKeys(store);
            }

            var path = Path.Combine(storage.DataDirectory, keys.LocalKeyFile);
            LocalKeyRing ring;
            try
            {
                ring = new LocalKeyRing(path, holdsDataKeys);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // An operator's setting, refused by name like the data directory's; before, an unhandled exception (exit 134).
                throw new KeyRingOpenException($"Keys:LocalKeyFile (env Keys__LocalKeyFile): cannot create or read the key ring file at '{path}' ({ex.GetType().Name}: {ex.Message}).", ex);
            }

            if (storage.Provider == StorageProvider.Sqlite)
            {
                RefuseWithoutShares(ring, sp.GetRequiredService<IStore>());
            }

            return ring;
        });
        return services.AddSingleton<IKeyEncryptionProvider>(sp => new LocalKeyEncryptionProvider(sp.GetRequiredService<LocalKeyRing>(), sp.GetService<TimeProvider>()));
    }

    /// <summary>
    /// Refuses the start when <c>tenant-keys/</c> is missing beside the ring while a stored data key needs a share from
    /// it (wrapped by this version: it does not open under the ring's key alone). A data directory copied or restored
    /// without it, or a clean-up job, would otherwise start a backend whose tenants' events then fail one by one
    /// (their secrets and queued messages unopenable). Checked only when the directory is missing (a store upgraded
    /// from a version without shares has none yet, and its keys open without one); a single tenant's missing share is
    /// that tenant's error (event 3106), not the start's.
    /// </summary>
    private static void RefuseWithoutShares(LocalKeyRing ring, IStore store)
    {
        var provider = new LocalKeyEncryptionProvider(ring);
        if (Directory.Exists(provider.SharesDirectory) || store is not IDataKeyScan scan)
        {
            return;
        }

        var needing = 0;
        try
        {
            needing = CountNeedingShares(provider, store, scan).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not KeyRingMissingException)
        {
            return; // a store that cannot answer at start does not block it (as HoldsDataKeys)
        }

        if (needing > 0)
        {
            throw new KeyRingMissingException($"Key share directory '{provider.SharesDirectory}' (beside the key ring, Keys:LocalKeyFile) is missing, "
                + $"but {needing} tenant data key(s) in the database are wrapped with a share from it. Put tenant-keys/ back together with the "
                + "key ring, from the copy or backup the database came from; nothing was changed (docs/operations.md, Tenant key shares).");
        }
    }

    private static async Task<int> CountNeedingShares(LocalKeyEncryptionProvider provider, IStore store, IDataKeyScan scan)
    {
        var needing = 0;
        await foreach (var tenant in scan.TenantsWithDataKeyAsync(CancellationToken.None))
        {
            if (await store.ForTenant(tenant).GetAsync(Keys.DataKey, CancellationToken.None) is not { } item
                || System.Text.Json.JsonSerializer.Deserialize<StoredDataKey>(item.Data, Json.JsonDefaults.Tolerant) is not { KeyId: not null, Wrapped: not null } stored)
            {
                continue;
            }

            if (provider.NeedsShare(tenant, new WrappedDataKey(stored.KeyId, Convert.FromBase64String(stored.Wrapped))))
            {
                needing++;
            }
        }

        return needing;
    }

    /// <summary>
    /// Whether the store already holds a data key (see <see cref="LocalKeyRing(string, Func{bool})"/>). A store that
    /// cannot answer at start (unreachable, not configured yet) does not block it: the ring is created as before, and
    /// the store's own failure surfaces where it always did.
    /// </summary>
    private static bool HoldsDataKeys(IStore store)
    {
        try
        {
            return TenantDirectory.AnyDataKeyAsync(store, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>The durable queue: a table in the SQLite database.</summary>
    public static IServiceCollection AddSqliteRunQueue(this IServiceCollection services)
    {
        services.AddSingleton<SqliteRunQueue>();
        services.AddSingleton<Tenancy.ITenantQueuePurge>(sp => sp.GetRequiredService<SqliteRunQueue>());
        return services.AddSingleton<IRunQueue>(sp => sp.GetRequiredService<SqliteRunQueue>());
    }

    /// <summary>The background worker over <see cref="SqliteRunQueue"/>.</summary>
    public static IServiceCollection AddInProcessWorker(this IServiceCollection services)
    {
        services.AddHostedService<RunWorker>();
        // The host must give the worker its drain deadline (and a margin to record and release) on shutdown.
        services.AddOptions<HostOptions>().Configure<IOptions<RunOptions>>((host, runs) =>
        {
            var needed = TimeSpan.FromSeconds(runs.Value.DrainSeconds + 10);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        return services;
    }
}
