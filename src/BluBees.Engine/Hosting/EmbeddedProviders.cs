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

    public static IServiceCollection AddSqliteStore(this IServiceCollection services)
        => services.AddSingleton<IStore, SqliteStore>();

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

            return new LocalKeyRing(Path.Combine(storage.DataDirectory, keys.LocalKeyFile), holdsDataKeys);
        });
        return services.AddSingleton<IKeyEncryptionProvider>(sp => new LocalKeyEncryptionProvider(sp.GetRequiredService<LocalKeyRing>()));
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
