using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using Microsoft.Extensions.Configuration;

namespace BluBees.Api.Tests.Rotation;

/// <summary>
/// A restart or deploy whose data directory holds the database but not <c>keyring.json</c> (the ring left behind by a
/// copy or a restore of the directory, deleted by a clean-up job while the backend was stopped, a key file on a volume
/// not mounted): every tenant's data key is wrapped under a key of that file. The backend must refuse to start naming
/// the file, not create a new, empty ring and start: then every queued event would fail to open and end as
/// <c>delivery_exhausted</c> (accepted, never run), every secret would be unavailable, and tenants created meanwhile
/// would be wrapped under a ring that the real one, once restored, does not hold.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MissingKeyRingAtStartTests
{
    private TestIssuer _issuer = null!;
    private string _dataDirectory = null!;
    private readonly List<BackendHost> _backends = [];

    private static readonly Dictionary<string, string?> OneWorkerNoDrain = new()
    {
        ["Runs:WorkerConcurrency"] = "1",
        ["Runs:PerTenantConcurrency"] = "1",
        ["Runs:DrainSeconds"] = "0",
    };

    [OneTimeSetUp]
    public async Task StartIssuerAsync() => _issuer = await TestIssuer.StartAsync();

    [OneTimeTearDown]
    public async Task StopIssuerAsync() => await _issuer.DisposeAsync();

    [SetUp]
    public void NewDirectory() => _dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-missing-ring-" + Guid.NewGuid().ToString("N"));

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

    private string RingFile => Path.Combine(_dataDirectory, "keyring.json");

    private async Task<BackendHost> StartBackendAsync()
    {
        var settings = new Dictionary<string, string?>(OneWorkerNoDrain) { ["Storage:DataDirectory"] = _dataDirectory };
        var backend = await BackendHost.StartAsync(_issuer, settings);
        _backends.Add(backend);
        return backend;
    }

    private static async Task<List<JsonNode>> RunsAsync(BackendHost backend, string tenant)
        => (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Select(n => n!).ToList();

    [Test]
    public async Task A_restart_without_the_key_ring_file_refuses_to_start_and_the_queued_events_run_once_the_file_is_back()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "/tickets/OPS-80";
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, secret), 201);
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
        var keys = new[] { "OPS-80", "OPS-81" };
        foreach (var key in keys)
        {
            using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(key, "queued " + key));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), key);
        }

        // OPS-80 hangs at the sink; the stop cancels it and both events stay queued.
        await Waits.UntilAsync(() => Task.FromResult(sink.Count("/tickets/OPS-80")), n => n > 0);
        await backend.DisposeAsync();
        _backends.Remove(backend);
        sink.ReleaseHung();

        var saved = RingFile + ".saved";
        File.Move(RingFile, saved);
        Exception? refused = null;
        try
        {
            await StartBackendAsync();
        }
        catch (Exception ex)
        {
            refused = ex;
        }

        Assert.That(refused, Is.Not.Null, "a start without the ring that wraps the stored data keys is refused (it started: a new ring was created: "
            + File.Exists(RingFile) + ")");
        Assert.Multiple(() =>
        {
            Assert.That(refused!.Message, Does.Contain(RingFile).And.Contain("Keys:LocalKeyFile"), "the message names the file and the setting");
            Assert.That(refused.Message, Does.Not.Contain(secret));
            Assert.That(File.Exists(RingFile), Is.False, "no new, empty ring was created in its place");
        });

        File.Move(saved, RingFile);
        var restarted = await StartBackendAsync();
        var runs = await Waits.UntilAsync(
            () => RunsAsync(restarted, tenant),
            r => r.Count == keys.Length && r.All(x => x["status"]!.GetValue<string>() == "succeeded"));
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r["issueKey"]!.GetValue<string>()).Order(), Is.EqualTo(keys), "exactly one run record per accepted event");
            Assert.That(sink.Count("/tickets/OPS-81"), Is.EqualTo(1), "the event queued behind the cut-off one ran once");
        });
    }

    [Test]
    public async Task Keys_rotate_without_the_key_ring_file_beside_a_database_with_data_keys_is_refused_and_creates_no_ring()
    {
        var backend = await StartBackendAsync();
        await backend.JsonAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new JsonObject { ["name"] = "has a data key" }, 201);
        await backend.DisposeAsync();
        _backends.Remove(backend);
        File.Delete(RingFile);

        using var output = new StringWriter();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dataDirectory }).Build();
        Exception? refused = null;
        try
        {
            await BluBees.Cli.Operator.OperatorCommands.KeysRotateAsync(new BluBees.Cli.CliArgs(["keys", "rotate"]), configuration, output);
        }
        catch (Exception ex)
        {
            refused = ex;
        }

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(RingFile), Is.False, "no new ring was created (output: " + output + ")");
            Assert.That(refused, Is.InstanceOf<BluBees.Cli.CliException>(), "the operator error the CLI prints with exit 2, not a crash");
            Assert.That(refused?.Message, Does.Contain(RingFile));
        });
    }

    [Test]
    public async Task A_start_without_the_key_ring_is_refused_also_when_an_older_build_never_listed_the_tenant()
    {
        var backend = await StartBackendAsync();
        await backend.JsonAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new JsonObject { ["name"] = "has a data key" }, 201);
        await backend.DisposeAsync();
        _backends.Remove(backend);
        File.Delete(RingFile);

        // The directory as a build from before every key creation listed its tenant left it.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "blubees.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM items WHERE pk = 'DIR';";
            Assert.That(await delete.ExecuteNonQueryAsync(), Is.EqualTo(1), "control: one tenant was listed");
        }

        Exception? refused = null;
        try
        {
            await StartBackendAsync();
        }
        catch (Exception ex)
        {
            refused = ex;
        }

        Assert.That(refused?.Message, Does.Contain(RingFile), "refused, naming the file");
        Assert.That(File.Exists(RingFile), Is.False, "no new ring was created");
    }

    /// <summary>
    /// The same for <c>tenant-keys/</c>: a data directory copied or restored with the ring but without the shares beside
    /// it (or a clean-up job that removed them). Every data key wrapped with a share is then unopenable; before, the
    /// backend started and the tenants' events and secrets failed one by one. Now the start is refused naming the
    /// directory, creating nothing, and the queued work runs once the directory is back.
    /// </summary>
    [Test]
    public async Task A_start_without_the_tenant_key_shares_beside_a_database_that_needs_them_is_refused_naming_the_directory()
    {
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var hook = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("https://tickets.example.com/"), secret), 201);
        await backend.DisposeAsync();
        _backends.Remove(backend);
        var shares = Path.Combine(_dataDirectory, "tenant-keys");
        var saved = shares + ".saved";
        Directory.Move(shares, saved);

        Exception? refused = null;
        try
        {
            await StartBackendAsync();
        }
        catch (Exception ex)
        {
            refused = ex;
        }

        Assert.That(refused, Is.Not.Null, "a start without the shares the stored data keys need is refused");
        Assert.Multiple(() =>
        {
            Assert.That(refused!.Message, Does.Contain(shares).And.Contain("tenant-keys/ back"), "the message names the directory and the fix");
            Assert.That(refused.Message, Does.Not.Contain(secret));
            Assert.That(Directory.Exists(shares), Is.False, "nothing was created in its place");
        });

        Directory.Move(saved, shares);
        var restarted = await StartBackendAsync();
        Assert.That((await restarted.JsonAsync(HttpMethod.Get, "/api/connections/" + (string)hook["id"]!, tenant))["id"]!.GetValue<string>(), Is.EqualTo((string)hook["id"]!),
            "control: with the directory back it starts and serves the tenant");
    }

    /// <summary>
    /// One tenant's share missing (the directory there): that tenant's secrets do not open, and the error says the share
    /// is missing (event 3106, naming the tenant and tenant-keys/, never key material) rather than blaming the ring's key.
    /// </summary>
    [Test]
    public async Task A_single_missing_share_is_that_tenants_error_named_as_such()
    {
        var backend = await StartBackendAsync();
        var tenant = Samples.NewTenant();
        await backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "has a data key" }, 201);
        await backend.DisposeAsync();
        _backends.Remove(backend);
        var share = Path.Combine(_dataDirectory, "tenant-keys", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tenant))));
        File.Delete(share);

        var restarted = await StartBackendAsync(); // other tenants go on: not a start failure
        var keys = restarted.Services.GetService(typeof(BluBees.Engine.Crypto.TenantKeyService)) as BluBees.Engine.Crypto.TenantKeyService;
        Assert.That(async () => await keys!.GetExistingAsync(new BluBees.Engine.Storage.TenantId(tenant), CancellationToken.None),
            Throws.InstanceOf<BluBees.Engine.Crypto.TenantKeyShareMissingException>().With.Message.Contain("tenant-keys"));
        Assert.That(restarted.Logs.AllText, Does.Contain("needs its key share, which is missing from tenant-keys/"));
    }

    [Test]
    public async Task A_first_start_on_an_empty_data_directory_still_creates_the_ring()
    {
        var backend = await StartBackendAsync();
        Assert.That(File.Exists(RingFile), Is.True);
        await backend.JsonAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new JsonObject { ["name"] = "first" }, 201);
    }
}
