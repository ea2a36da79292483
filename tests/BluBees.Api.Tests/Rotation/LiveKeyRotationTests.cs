using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Api.Tests.Rotation;

/// <summary>
/// <c>blubees keys rotate [--retire]</c> and <c>blubees keys retire</c> against a running backend (Kestrel on
/// loopback, fake clock) with events flowing: runs keep succeeding after the data-key cache expires, retiring is
/// refused while a tenant's data key still uses the old key, and a tenant created after a rotation is wrapped by
/// the new current key and keeps its secrets across a restart.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LiveKeyRotationTests
{
    private static readonly TimeSpan PastCacheTtl = new KeyOptions().DataKeyCacheTtl + TimeSpan.FromMinutes(1);
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private string _dataDirectory = null!;
    private FakeTimeProvider _clock = null!;
    private readonly List<BackendHost> _backends = [];

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        KeyRotation.RetireGrace = TimeSpan.FromMilliseconds(200);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        KeyRotation.RetireGrace = TimeSpan.FromSeconds(2);
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [SetUp]
    public void NewDirectory()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-live-rotation-" + Guid.NewGuid().ToString("N"));
        _clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
    }

    [TearDown]
    public async Task StopBackendsAsync()
    {
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }

        _backends.Clear();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private async Task<BackendHost> StartBackendAsync(IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Storage:DataDirectory"] = _dataDirectory };
        var backend = await BackendHost.StartAsync(_issuer, all, s => s.AddSingleton<TimeProvider>(_clock));
        _backends.Add(backend);
        return backend;
    }

    private IConfiguration OperatorConfiguration()
        => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dataDirectory }).Build();

    private async Task<(int Exit, string Output)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        var cli = new CliArgs(args);
        var exit = args[1] == "retire"
            ? await OperatorCommands.KeysRetireAsync(cli, OperatorConfiguration(), output)
            : await OperatorCommands.KeysRotateAsync(cli, OperatorConfiguration(), output);
        return (exit, output.ToString());
    }

    private string RingFile => Path.Combine(_dataDirectory, "keyring.json");

    private string CurrentKeyInFile() => (string)JsonNode.Parse(File.ReadAllText(RingFile))!["current"]!;

    private IReadOnlyCollection<string> KeysInFile() => JsonNode.Parse(File.ReadAllText(RingFile))!["keys"]!.AsObject().Select(p => p.Key).ToArray();

    private static async Task<string> WrappingKeyAsync(BackendHost backend, string tenant)
    {
        var item = await backend.Services.GetRequiredService<IStore>().GetAsync(StorageKeys.Tenant(tenant), StorageKeys.DataKey, default);
        return StoredJson.Read<StoredDataKey>(item!.Data).KeyId;
    }

    /// <summary>A tenant with a bearer connection holding <paramref name="secret"/> and one rule calling it.</summary>
    private async Task SetUpTenantAsync(BackendHost backend, string tenant, string secret)
    {
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, secret), 201);
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
    }

    /// <summary>Sends one event and waits for its run; the third party must have received the tenant's secret.</summary>
    private async Task AssertEventRunsAsync(BackendHost backend, string tenant, string secret, string issueKey)
    {
        var before = (await RunsAsync(backend, tenant)).Count;
        var received = _thirdParty.Received.Count;
        using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "Summary " + issueKey));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => RunsAsync(backend, tenant), r => r.Count > before);
        var newest = runs.First(r => r["issueKey"]!.GetValue<string>() == issueKey);
        Assert.That(newest["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), newest.ToJsonString() + "\n" + string.Join('\n', backend.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal))));
        var call = (await _thirdParty.WaitForAsync(received + 1)).Last(r => r.Path.EndsWith(issueKey, StringComparison.Ordinal));
        Assert.That(call.Headers["Authorization"], Is.EqualTo("Bearer " + secret));
    }

    private static async Task<List<JsonNode>> RunsAsync(BackendHost backend, string tenant)
        => (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Select(n => n!).ToList();

    [Test]
    public async Task Runs_keep_succeeding_after_a_rotation_once_the_data_key_cache_has_expired()
    {
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        await SetUpTenantAsync(backend, tenant, secret);
        await AssertEventRunsAsync(backend, tenant, secret, "OPS-1");
        var oldKey = CurrentKeyInFile();

        var (exit, output) = await CliAsync("keys", "rotate");
        Assert.That(exit, Is.Zero, output);
        Assert.That(await WrappingKeyAsync(backend, tenant), Is.Not.EqualTo(oldKey));

        _clock.Advance(PastCacheTtl);
        await AssertEventRunsAsync(backend, tenant, secret, "OPS-2");
        _clock.Advance(PastCacheTtl);
        await AssertEventRunsAsync(backend, tenant, secret, "OPS-3");
        Assert.That(backend.Logs.AllText, Does.Not.Contain("did not unwrap").And.Not.Contain("did not decrypt"));
    }

    [Test]
    public async Task Runs_keep_succeeding_after_rotate_with_retire_removed_the_key_the_backend_had_loaded()
    {
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        await SetUpTenantAsync(backend, tenant, secret);
        await AssertEventRunsAsync(backend, tenant, secret, "OPS-10");
        var oldKey = CurrentKeyInFile();

        var (exit, output) = await CliAsync("keys", "rotate", "--retire");
        Assert.That(exit, Is.Zero, output);
        Assert.That(KeysInFile(), Does.Not.Contain(oldKey));

        for (var i = 11; i < 14; i++)
        {
            _clock.Advance(PastCacheTtl);
            await AssertEventRunsAsync(backend, tenant, secret, "OPS-" + i);
        }
    }

    [Test]
    public async Task Retire_is_refused_while_a_tenant_data_key_is_still_wrapped_by_the_old_key()
    {
        var backend = await StartBackendAsync();
        var early = Samples.NewTenant();
        var earlySecret = Samples.Canary("secret");
        await SetUpTenantAsync(backend, early, earlySecret);
        var oldKey = CurrentKeyInFile();
        // A writer that read the ring before the rotation (a second backend, a slow one): it still wraps under the old key.
        var staleRing = Path.Combine(_dataDirectory, "stale-ring.json");
        File.Copy(RingFile, staleRing);

        var (rotated, rotateOutput) = await CliAsync("keys", "rotate");
        Assert.That(rotated, Is.Zero, rotateOutput);
        Assert.That(await WrappingKeyAsync(backend, early), Is.Not.EqualTo(oldKey), "a tenant known only through the admin API (no event yet) is listed and re-wrapped:\n" + rotateOutput);
        var straggler = Samples.NewTenant();
        var store = backend.Services.GetRequiredService<IStore>();
        var rules = new BluBees.Engine.Rules.RuleCache();
        using (var staleKeys = new TenantKeyService(store, new LocalKeyEncryptionProvider(new LocalKeyRing(staleRing)), _clock, Options.Create(new KeyOptions())))
        {
            await new TenantService(store, staleKeys, rules, _clock).InstallAsync(new TenantContext(straggler, null, null), default);
        }

        rules.Dispose();
        Assert.That(await WrappingKeyAsync(backend, straggler), Is.EqualTo(oldKey));

        var (retired, retireOutput) = await CliAsync("keys", "retire");

        Assert.That(retired, Is.EqualTo(1), retireOutput);
        Assert.That(retireOutput, Does.Contain("REFUSED").And.Contain(straggler).And.Contain(oldKey));
        Assert.That(KeysInFile(), Does.Contain(oldKey), "nothing was retired");

        // The remedy the refusal names: rotate again (re-wraps the straggler), then retire succeeds.
        var (again, againOutput) = await CliAsync("keys", "rotate", "--retire");
        Assert.That(again, Is.Zero, againOutput);
        Assert.That(KeysInFile(), Does.Not.Contain(oldKey));
        Assert.That(await WrappingKeyAsync(backend, straggler), Is.EqualTo(CurrentKeyInFile()));
        _clock.Advance(PastCacheTtl);
        await AssertEventRunsAsync(backend, early, earlySecret, "OPS-20");
    }

    [Test]
    public async Task A_tenant_created_after_rotate_with_retire_is_wrapped_by_the_new_key_and_survives_a_restart()
    {
        var backend = await StartBackendAsync();
        var first = Samples.NewTenant();
        await SetUpTenantAsync(backend, first, Samples.Canary("secret"));
        var oldKey = CurrentKeyInFile();

        var (exit, output) = await CliAsync("keys", "rotate", "--retire");
        Assert.That(exit, Is.Zero, output);
        var newKey = CurrentKeyInFile();
        Assert.That(newKey, Is.Not.EqualTo(oldKey));

        var late = Samples.NewTenant();
        var lateSecret = Samples.Canary("secret");
        await SetUpTenantAsync(backend, late, lateSecret);
        Assert.That(await WrappingKeyAsync(backend, late), Is.EqualTo(newKey), "wrapped by the ring's current key, not the one the backend started with");
        await AssertEventRunsAsync(backend, late, lateSecret, "OPS-30");

        await backend.DisposeAsync();
        _backends.Remove(backend);
        var restarted = await StartBackendAsync();

        await AssertEventRunsAsync(restarted, late, lateSecret, "OPS-31");
        Assert.That(restarted.Logs.AllText, Does.Not.Contain("did not unwrap"));
    }

    [Test]
    public async Task After_rotate_with_retire_the_old_wrapped_data_key_is_in_no_database_file()
    {
        // Why rotate: the old key-encryption key may have leaked (an old copy of keyring.json). Retiring it is only
        // worth something if no copy of a data key wrapped under it survives in the database files, where the
        // leaked key would still unwrap it (and so every secret of the tenant: data keys do not change).
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        await SetUpTenantAsync(backend, tenant, secret);
        await AssertEventRunsAsync(backend, tenant, secret, "OPS-60");
        var item = await backend.Services.GetRequiredService<IStore>().GetAsync(StorageKeys.Tenant(tenant), StorageKeys.DataKey, default);
        var old = StoredJson.Read<StoredDataKey>(item!.Data);
        // The whole key directory leaked: the ring file and the tenants' key shares beside it.
        var leakedDirectory = Directory.CreateTempSubdirectory("blubees-leaked-ring-").FullName;
        var leakedRing = Path.Combine(leakedDirectory, "keyring.json");
        File.Copy(RingFile, leakedRing);
        Directory.CreateDirectory(Path.Combine(leakedDirectory, "tenant-keys"));
        foreach (var share in Directory.EnumerateFiles(Path.Combine(_dataDirectory, "tenant-keys")))
        {
            File.Copy(share, Path.Combine(leakedDirectory, "tenant-keys", Path.GetFileName(share)));
        }

        try
        {
            var (exit, output) = await CliAsync("keys", "rotate", "--retire");
            Assert.That(exit, Is.Zero, output);
            Assert.That(KeysInFile(), Does.Not.Contain(old.KeyId));

            var leaked = new LocalKeyEncryptionProvider(new LocalKeyRing(leakedRing));
            var unwrapped = await leaked.DecryptDataKeyAsync(new TenantId(tenant), new WrappedDataKey(old.KeyId, Convert.FromBase64String(old.Wrapped)), default);
            Assert.That(unwrapped, Has.Length.EqualTo(32), "control: a surviving copy would unwrap under the leaked old key");
            Assert.That(FilesHolding(old.Wrapped), Is.Empty, "the data key wrapped under the retired key survives in these files");
            _clock.Advance(PastCacheTtl);
            await AssertEventRunsAsync(backend, tenant, secret, "OPS-61");
        }
        finally
        {
            Directory.Delete(leakedDirectory, recursive: true);
        }
    }

    [Test]
    public async Task After_a_rotation_the_data_key_as_wrapped_before_is_in_no_database_file_even_before_the_command_closes_its_store()
    {
        // A rotation killed after its re-wrap (an operator's Ctrl+C, a lost session) never reaches the store's close,
        // which truncated the WAL: the rotation itself must leave no copy of the data key as wrapped before.
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        await SetUpTenantAsync(backend, tenant, secret);
        var item = await backend.Services.GetRequiredService<IStore>().GetAsync(StorageKeys.Tenant(tenant), StorageKeys.DataKey, default);
        var old = StoredJson.Read<StoredDataKey>(item!.Data);

        await using var services = BluBees.Cli.Operator.OperatorHost.Build(OperatorConfiguration());
        using var output = new StringWriter();
        Assert.That(await new BluBees.Cli.Operator.KeyRotation(services, output).RunAsync(retire: false, CancellationToken.None), Is.Zero, output.ToString());
        Assert.That(await WrappingKeyAsync(backend, tenant), Is.Not.EqualTo(old.KeyId), "control: the data key was re-wrapped");
        Assert.That(FilesHolding(old.Wrapped), Is.Empty, "the data key as wrapped before survives in these files while the command still runs");
    }

    /// <summary>
    /// A data key stored by a build from before every key creation listed its tenant in the directory (<c>DIR</c>) is
    /// listed only when a backend first unwraps it. A tenant idle since the upgrade was therefore invisible to
    /// <c>keys rotate --retire</c>: not re-wrapped, not seen by the retire check, and its key-encryption key retired
    /// under it (every secret and queued event of the tenant lost). Rotation lists such keys first.
    /// </summary>
    [Test]
    public async Task Rotate_with_retire_rewraps_an_idle_tenant_whose_data_key_an_older_build_never_listed()
    {
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        await SetUpTenantAsync(backend, tenant, secret);
        await backend.DisposeAsync();
        _backends.Remove(backend);

        // The directory as an older build left it: the data key stored, the tenant not listed.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "blubees.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM items WHERE pk = $pk;";
            delete.Parameters.AddWithValue("$pk", StorageKeys.DirectoryPk);
            Assert.That(await delete.ExecuteNonQueryAsync(), Is.EqualTo(1), "control: one tenant was listed");
        }

        var (exit, output) = await CliAsync("keys", "rotate", "--retire");
        Assert.That(exit, Is.Zero, output);

        var restarted = await StartBackendAsync();
        Assert.That(await WrappingKeyAsync(restarted, tenant), Is.EqualTo(CurrentKeyInFile()), output);
        await AssertEventRunsAsync(restarted, tenant, secret, "OPS-90");
    }

    [Test]
    public async Task Events_queued_and_running_across_rotate_with_retire_and_a_restart_each_run_once_with_their_secret()
    {
        // One worker, no drain time: the hanging run is cancelled at the stop and stays queued with the two behind it.
        var settings = new Dictionary<string, string?> { ["Runs:WorkerConcurrency"] = "1", ["Runs:PerTenantConcurrency"] = "1", ["Runs:DrainSeconds"] = "0" };
        await using var sink = await BluBees.Api.Tests.Queue.SlowSink.StartAsync();
        sink.HangMarker = "/tickets/OPS-70";
        var backend = await StartBackendAsync(settings);
        var tenant = Samples.NewTenant();
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, Samples.Canary("secret")), 201);
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
        var keys = new[] { "OPS-70", "OPS-71", "OPS-72" };
        foreach (var key in keys)
        {
            using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(key, "queued " + key));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), key);
        }

        await Waits.UntilAsync(() => Task.FromResult(sink.Count("/tickets/OPS-70")), n => n > 0);
        var oldKey = CurrentKeyInFile();
        var (exit, output) = await CliAsync("keys", "rotate", "--retire");
        Assert.That(exit, Is.Zero, output);
        Assert.That(KeysInFile(), Does.Not.Contain(oldKey));

        await backend.DisposeAsync();
        _backends.Remove(backend);
        sink.ReleaseHung();
        var restarted = await StartBackendAsync(settings);

        var runs = await Waits.UntilAsync(
            () => RunsAsync(restarted, tenant),
            r => r.Count == keys.Length && r.All(x => x["status"]!.GetValue<string>() == "succeeded"));
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r["issueKey"]!.GetValue<string>()).Order(), Is.EqualTo(keys), "exactly one run record per event");
            Assert.That(keys.Where(k => sink.Count("/tickets/" + k) == 0), Is.Empty, "every queued event reached the third party");
            Assert.That(restarted.Logs.AllText, Does.Not.Contain("did not unwrap").And.Not.Contain("did not decrypt"));
        });
    }

    /// <summary>The database files (not the ring file) holding <paramref name="needle"/> as it is or as JSON writes it.</summary>
    private List<string> FilesHolding(string needle)
    {
        var forms = new[] { needle, System.Text.Json.JsonSerializer.Serialize(needle)[1..^1] }.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
        var found = new List<string>();
        foreach (var file in new[] { "blubees.db", "blubees.db-wal", "blubees.db-shm" }.Select(f => Path.Combine(_dataDirectory, f)).Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            if (forms.Any(f => memory.ToArray().AsSpan().IndexOf(f) >= 0))
            {
                found.Add(Path.GetFileName(file));
            }
        }

        return found;
    }

    [Test]
    public async Task A_data_key_that_does_not_unwrap_is_logged_at_error_without_secrets_and_counted()
    {
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        await SetUpTenantAsync(backend, tenant, secret);
        var failures = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BluBees.Engine.Observability.BluBeesMetrics.MeterName && instrument.Name == "blubees.crypto.decrypt_failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref failures, value));
        listener.Start();
        // The operator replaced the ring file with an unrelated one (wrong backup restored): the key is gone.
        var oldKey = CurrentKeyInFile();
        File.Delete(RingFile);
        _ = new LocalKeyRing(RingFile);
        _clock.Advance(PastCacheTtl);

        // The queued message is encrypted under the tenant's data key too: with the key gone the event cannot be
        // kept, so ingress answers 503 (nothing kept, Forge retries) rather than accepting what it could not run.
        using var refused = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-40", "Summary"));
        Assert.That((int)refused.StatusCode, Is.EqualTo(503).Or.EqualTo(500), await refused.Content.ReadAsStringAsync());
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Not.Contain(secret));
        var line = backend.Logs.Lines.FirstOrDefault(l => l.Contains("did not unwrap", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, backend.Logs.AllText);
        Assert.That(line, Does.Contain(oldKey).And.Contain("Error"));
        Assert.That(backend.Logs.AllText, Does.Not.Contain(secret));
        Assert.That(Interlocked.Read(ref failures), Is.GreaterThanOrEqualTo(1));
    }
}
