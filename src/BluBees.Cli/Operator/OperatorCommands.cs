using Amazon.Runtime;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Cli.Operator;

/// <summary>
/// Operator commands that work on the store directly (no backend needed): key rotation, backup and restore, tenants.
/// Each has an overload taking the configuration and the output, for tests.
/// </summary>
internal static class OperatorCommands
{
    public const string Usage = """
        blubees keys rotate [--retire] [--data-dir DIR]
            Local key ring: add a key, make it current, re-wrap every tenant's data key, verify; --retire then
            removes the old keys. KMS (Keys__Provider=Kms): re-wrap every tenant's data key under Keys__KmsKeyId.
            A running backend picks the new key up without a restart.
        blubees keys retire [--data-dir DIR]
            Remove the old local keys; refused (exit 1) while any tenant's data key is still wrapped by one.
        blubees backup export --tenant ID --out FILE (--passphrase-env VAR | --key-file FILE) [--data-dir DIR]
            One tenant's configuration (connections with their secrets, webhooks, rules and all versions, settings),
            encrypted as a whole with a key derived from the passphrase. No runs, logs or pass-through data.
        blubees backup restore --in FILE (--passphrase-env VAR | --key-file FILE) [--tenant ID] [--data-dir DIR]
            Into an empty tenant partition of the configured store (SQLite or DynamoDB), under the backup's tenant
            id or --tenant ID. Secrets are encrypted afresh under the target's key provider.
        blubees tenants list [--data-dir DIR]
            Every tenant the store knows, one line each: installation id, cloud id, installed-at, and whether it is
            installed, uninstalled with its erase unfinished, or its uninstall pending. Metadata only.
        blubees tenants erase --tenant ID --confirm ID [--data-dir DIR]
            Erases the tenant exactly as its uninstall does (data key and key shares shredded first, every item, its
            directory entry and queued messages, the uninstall mark set): for an installation whose uninstall never
            reached the backend. --confirm repeats the id. Unknown tenant: exit 1, nothing written. Prints counts by kind.
        Store and keys come from the backend's settings as environment variables (Storage__Provider,
        Storage__TableName, Keys__Provider, Keys__KmsKeyId, Keys__KeyTableName, AWS_REGION…); --data-dir is the embedded default's.
        """;

    public static Task<int> KeysRotateAsync(CliArgs cli) => KeysRotateAsync(cli, OperatorHost.Configuration(cli), Console.Out);

    public static Task<int> KeysRetireAsync(CliArgs cli) => KeysRetireAsync(cli, OperatorHost.Configuration(cli), Console.Out);

    public static Task<int> KeysRetireAsync(CliArgs cli, IConfiguration configuration, TextWriter output)
        => RunAsync(cli, configuration, output, services => new KeyRotation(services, output).RetireAsync(CancellationToken.None), existingStore: true,
            command: "keys retire", options: ["data-dir"]);

    public static Task<int> BackupExportAsync(CliArgs cli) => BackupExportAsync(cli, OperatorHost.Configuration(cli), Console.Out);

    public static Task<int> BackupRestoreAsync(CliArgs cli) => BackupRestoreAsync(cli, OperatorHost.Configuration(cli), Console.Out);

    public static Task<int> KeysRotateAsync(CliArgs cli, IConfiguration configuration, TextWriter output)
        => RunAsync(cli, configuration, output, services => new KeyRotation(services, output).RunAsync(cli.Flag("retire"), CancellationToken.None), existingStore: true,
            command: "keys rotate", options: ["data-dir"], flags: ["retire"]);

    public static Task<int> BackupExportAsync(CliArgs cli, IConfiguration configuration, TextWriter output)
        => RunAsync(cli, configuration, output, async services =>
        {
            var tenant = TenantOf(cli.Option("tenant") ?? throw new CliException("give the tenant with --tenant ID."));
            var file = cli.Option("out") ?? throw new CliException("give the backup file with --out FILE.");
            var passphrase = BackupPassphrase.From(cli);
            var exporter = new BackupExporter(services.GetRequiredService<IStore>(), services.GetRequiredService<SecretCipher>(), services.GetRequiredService<TimeProvider>(), services.GetService<PendingUninstalls>());
            var backup = await exporter.ExportAsync(tenant, CancellationToken.None);
            BackupFile.Write(file, backup, passphrase);
            output.WriteLine($"exported tenant {tenant}: {Summary(backup.Items.GroupBy(i => Kind(i.Sk)).ToDictionary(g => g.Key, g => g.Count()))}; {backup.Items.Count(i => i.Secret is not null)} secret(s); encrypted to {Path.GetFullPath(file)}");
            return 0;
        }, existingStore: true, command: "backup export", options: ["tenant", "out", "passphrase-env", "key-file", "data-dir"]);

    public static Task<int> BackupRestoreAsync(CliArgs cli, IConfiguration configuration, TextWriter output)
        => RunAsync(cli, configuration, output, async services =>
        {
            var file = cli.Option("in") ?? throw new CliException("give the backup file with --in FILE.");
            var backup = BackupFile.Read(file, BackupPassphrase.From(cli));
            var tenant = TenantOf(cli.Option("tenant") ?? backup.TenantId);
            var restorer = new BackupRestorer(services.GetRequiredService<IStore>(), services.GetRequiredService<SecretCipher>(), services.GetRequiredService<TenantService>(),
                services.GetRequiredService<TenantKeyService>());
            var counts = await restorer.RestoreAsync(backup, tenant, CancellationToken.None);
            output.WriteLine($"restored tenant {tenant} from a backup of {backup.TenantId} taken {backup.ExportedAt:u}: {Summary(counts)}");
            return 0;
        }, command: "backup restore", options: ["in", "passphrase-env", "key-file", "tenant", "data-dir"]);

    public static Task<int> TenantsListAsync(CliArgs cli) => TenantsListAsync(cli, OperatorHost.Configuration(cli), Console.Out);

    public static Task<int> TenantsEraseAsync(CliArgs cli) => TenantsEraseAsync(cli, OperatorHost.Configuration(cli), Console.Out);

    public static Task<int> TenantsListAsync(CliArgs cli, IConfiguration configuration, TextWriter output)
        => RunAsync(cli, configuration, output, services => new TenantErasure(services, output).ListAsync(CancellationToken.None), existingStore: true,
            command: "tenants list", options: ["data-dir"]);

    public static Task<int> TenantsEraseAsync(CliArgs cli, IConfiguration configuration, TextWriter output)
    {
        TenantId tenant = default;
        return RunAsync(cli, configuration, output, services => new TenantErasure(services, output).EraseAsync(tenant, CancellationToken.None), existingStore: true,
            command: "tenants erase", options: ["tenant", "confirm", "data-dir"], purgesQueue: true, check: () => tenant = ConfirmedTenant(cli));
    }

    /// <summary>
    /// The tenant to erase, repeated with <c>--confirm</c> (an erase cannot be undone: a tenant id pasted from the wrong
    /// line of <c>tenants list</c> must not erase that tenant). Checked before the store is opened.
    /// </summary>
    private static TenantId ConfirmedTenant(CliArgs cli)
    {
        var tenant = TenantOf(cli.Option("tenant") ?? throw new CliException("give the tenant to erase with --tenant ID."));
        var confirm = cli.Option("confirm") ?? throw new CliException("--confirm: repeat the tenant id with --confirm ID to erase it. Nothing was erased.");
        return string.Equals(confirm, tenant.Value, StringComparison.Ordinal) ? tenant
            : throw new CliException("--confirm: it differs from --tenant; give the same installation id to both. Nothing was erased.");
    }

    /// <summary>The operator's tenant argument (or a backup's) as a partition owner: the command line is the edge.</summary>
    private static TenantId TenantOf(string id)
        => id is not { Length: > 0 } ? throw new CliException("give a non-empty tenant id with --tenant ID.")
        // A pasted id with a space or line break around it: restored under an id no Forge token ever names.
        : id.Trim() != id || id.Any(char.IsControl) ? throw new CliException("--tenant: the tenant id has spaces or control characters around or in it; give the installation id exactly.")
        : new(id);

    private static async Task<int> RunAsync(
        CliArgs cli, IConfiguration configuration, TextWriter output, Func<IServiceProvider, Task<int>> run, string command, string[] options, string[]? flags = null, bool existingStore = false,
        bool purgesQueue = false, Action? check = null)
    {
        if (cli.Flag("help") || cli.Flag("h"))
        {
            output.WriteLine(Usage);
            return 0;
        }

        // Before anything is opened: a mistyped option must not run the command without it.
        cli.RequireOnly(command, positionals: 2, options, [.. flags ?? [], "help", "h"]);
        check?.Invoke();

        // The configuration is checked first (Build validates it); nothing has touched the data directory yet.
        await using var services = OperatorHost.Build(configuration, purgesQueue);
        if (existingStore)
        {
            RequireEmbeddedStore(configuration);
        }

        try
        {
            return await run(services);
        }
        catch (StoreOpenException ex)
        {
            // The embedded database cannot be opened (not a database, unreadable, written by a newer release).
            throw new CliException(ex.Message);
        }
        catch (KeyRingMissingException ex)
        {
            // The ring file is missing beside a database that holds data keys: nothing was created.
            throw new CliException(ex.Message);
        }
        catch (KeyRingOpenException ex)
        {
            // The ring file cannot be created or read where Keys:LocalKeyFile points (the message names the setting).
            throw new CliException(ex.Message);
        }
        catch (KeyRingUnavailableException ex)
        {
            // The ring file is garbled or lacks a key (its message names the file, never its content).
            throw new CliException(ex.Message);
        }
        catch (AmazonServiceException ex)
        {
            throw new CliException($"AWS refused the request ({ex.ErrorCode}, HTTP {(int)ex.StatusCode}): {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            // The operator commands talk to the store and the key service (DynamoDB, KMS), never to a running backend.
            throw new CliException($"cannot reach the store or the key service ({ex.Message}). Check Storage__DynamoDbServiceUrl / Keys__KmsServiceUrl (empty in production), AWS_REGION and the network.");
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new CliException("a stored secret or data key could not be decrypted with the configured key provider (wrong Keys__* settings or key file?).");
        }
    }

    /// <summary>
    /// Rotating, retiring and exporting work on an existing store. With the embedded store, a mistyped
    /// <c>--data-dir</c> (or none, run from the wrong directory) used to create a new, empty database and key ring
    /// there and report a rotation of nothing (or, for an export, leave them behind); now it is a usage error naming
    /// the directory, and nothing is created. A restore may create the store: that is how a new machine is filled.
    /// </summary>
    private static void RequireEmbeddedStore(IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider == StorageProvider.Sqlite && !File.Exists(storage.SqlitePath))
        {
            throw new CliException($"no BluBees store in {Path.GetFullPath(storage.DataDirectory)} (no {storage.SqliteFileName}): give the backend's data directory with --data-dir DIR.");
        }
    }

    internal static string Kind(string sk) => sk.Contains('#', StringComparison.Ordinal) ? sk[..(sk.IndexOf('#', StringComparison.Ordinal) + 1)] : sk;

    private static string Summary(IReadOnlyDictionary<string, int> counts) => string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}"));
}
