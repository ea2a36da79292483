using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees tenants list</c> and <c>blubees tenants erase</c> on the embedded store, beside a running backend (Kestrel
/// on loopback): an installation whose uninstall never reached the backend (on AWS, a stack deployed before the HTTP API
/// routed <c>POST /forge/uninstall</c>) is erased by the operator exactly as its uninstall would: every item of its
/// partition, its directory entry, its queued messages, its data key with the share that opens it (an old copy of the
/// data key no longer opens its secret), nothing of it left in the database files; the other tenant untouched.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CliTenantEraseTests
{
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private BackendHost _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [SetUp]
    public async Task StartBackendAsync() => _backend = await BackendHost.StartAsync(_issuer);

    [TearDown]
    public async Task StopBackendAsync() => await _backend.DisposeAsync();

    private IConfiguration OperatorConfiguration()
        => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = _backend.DataDirectory }).Build();

    private async Task<(int Exit, string Output)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        var cli = new CliArgs(args);
        var exit = args[1] == "list"
            ? await OperatorCommands.TenantsListAsync(cli, OperatorConfiguration(), output)
            : await OperatorCommands.TenantsEraseAsync(cli, OperatorConfiguration(), output);
        return (exit, output.ToString());
    }

    /// <summary>An installed tenant with a connection holding <paramref name="secret"/>, a rule named <paramref name="ruleName"/> and one run.</summary>
    private async Task<string> SetUpTenantAsync(string tenant, string secret, string ruleName)
    {
        using (var installed = await _backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" }))
        {
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var connectionId = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, secret), 201))["id"]!.GetValue<string>();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connectionId, ruleName), 201);
        using (var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-7", "Summary")))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(1), "control: the tenant has a run");
        return connectionId;
    }

    private async Task<List<StoreItem>> PartitionAsync(string tenant)
    {
        var page = await _backend.Services.GetRequiredService<IStore>().QueryAsync(new QueryRequest(StorageKeys.Tenant(tenant), string.Empty) { Limit = 1000 }, CancellationToken.None);
        return [.. page.Items];
    }

    /// <summary>
    /// Opens the connection's stored secret with a fresh operator host (no cache), the data directory's key ring and
    /// shares. With <paramref name="oldKey"/>, as someone holding an old copy of the database would: that data key item,
    /// as it was stored, is put back first and the uninstall mark taken away (an old copy has none), both undone after.
    /// </summary>
    private async Task<string> OpenSecretAsync(string tenant, string connectionId, string ciphertext, StoreItem? oldKey = null)
    {
        await using var services = OperatorHost.Build(OperatorConfiguration());
        var store = services.GetRequiredService<IStore>();
        var mark = await store.GetAsync(StorageKeys.UninstalledPk, StorageKeys.UninstalledSk(new TenantId(tenant)), CancellationToken.None);
        if (oldKey is not null)
        {
            await store.PutAsync(oldKey, CancellationToken.None);
            if (mark is not null)
            {
                await store.DeleteAsync(mark.Pk, mark.Sk, CancellationToken.None);
            }
        }

        try
        {
            return await services.GetRequiredService<SecretCipher>().DecryptAsync(new TenantId(tenant), ConnectionService.SecretRecordId(connectionId), ciphertext, CancellationToken.None);
        }
        finally
        {
            if (oldKey is not null)
            {
                await store.DeleteAsync(oldKey.Pk, oldKey.Sk, CancellationToken.None);
                if (mark is not null)
                {
                    await store.PutAsync(mark, CancellationToken.None);
                }
            }
        }
    }

    private static string CiphertextOf(StoreItem connection)
        => JsonNode.Parse(connection.Data)!.AsObject().Single(p => p.Key.Equals("secretCiphertext", StringComparison.OrdinalIgnoreCase)).Value!.GetValue<string>();

    [Test]
    public async Task Erase_leaves_nothing_of_the_tenant_shreds_its_key_and_leaves_the_other_tenant_as_it_was()
    {
        var (a, b) = (Samples.NewTenant(), Samples.NewTenant());
        var (secretA, secretB) = (Samples.Canary("secret-a"), Samples.Canary("secret-b"));
        var ruleA = Samples.Canary("rule-a");
        var connectionA = await SetUpTenantAsync(a, secretA, ruleA);
        await SetUpTenantAsync(b, secretB, Samples.Canary("rule-b"));

        var itemsA = await PartitionAsync(a);
        var keyA = itemsA.Single(i => i.Sk == StorageKeys.DataKey);
        var ciphertextA = CiphertextOf(itemsA.Single(i => i.Sk == StorageKeys.Connection(connectionA)));
        var itemsB = (await PartitionAsync(b)).Select(i => (i.Sk, i.Data)).ToList();
        Assert.That(itemsA.Select(i => StorageKeys.TenantOfPartition(i.Pk)).Distinct(), Is.EqualTo(new[] { a }));
        Assert.That(await OpenSecretAsync(a, connectionA, ciphertextA), Is.EqualTo(secretA), "control: the stored secret opens with the tenant's key and share");
        var filesBefore = _backend.DumpDataDirectory();
        Assert.That(filesBefore.Contains(ruleA, StringComparison.Ordinal) && filesBefore.Contains(a, StringComparison.Ordinal), Is.True, "control: the file scan sees what the tenant wrote in clear");

        var (listed, list) = await CliAsync("tenants", "list");
        var lines = list.Split('\n');
        Assert.Multiple(() =>
        {
            Assert.That(listed, Is.Zero, list);
            Assert.That(lines.Single(l => l.StartsWith(a + " ", StringComparison.Ordinal)), Does.Contain("installed 20").And.EndWith("installed"), list);
            Assert.That(lines.Count(l => l.StartsWith(b + " ", StringComparison.Ordinal)), Is.EqualTo(1), list);
            Assert.That(list, Does.Not.Contain(secretA).And.Not.Contain(secretB).And.Not.Contain(ruleA), "metadata only");
        });

        var (exit, output) = await CliAsync("tenants", "erase", "--tenant", a, "--confirm", a);

        Assert.That(exit, Is.Zero, output);
        Assert.Multiple(async () =>
        {
            Assert.That(output, Does.Contain($"erased tenant {a}: ").And.Contain("1 CONN#").And.Contain("1 KEY").And.Contain("1 RUN#").And.Contain("1 directory entry"), output);
            Assert.That(output, Does.Not.Contain(secretA).And.Not.Contain(ruleA), "counts, no values");
            Assert.That(await PartitionAsync(a), Is.Empty, "every item of the tenant's partition");
            var store = _backend.Services.GetRequiredService<IStore>();
            Assert.That(await store.GetAsync(StorageKeys.DirectoryPk, StorageKeys.DirectoryEntry(a), CancellationToken.None), Is.Null, "its directory entry");
            Assert.That(await new UninstalledInstallations(store, TimeProvider.System).IsMarkedAsync(new TenantId(a), CancellationToken.None), Is.True, "marked uninstalled, as an uninstall does");
            Assert.That(Directory.Exists(Path.Combine(_backend.DataDirectory, PendingUninstalls.DirectoryName)) ? Directory.GetFiles(Path.Combine(_backend.DataDirectory, PendingUninstalls.DirectoryName)) : [], Is.Empty, "no pending record left");
            Assert.That((await PartitionAsync(b)).Select(i => (i.Sk, i.Data)), Is.EqualTo(itemsB), "the other tenant's items, as they were");
        });

        // Before the old key is put back below (which writes the tenant's id into the file again).
        var files = _backend.DumpDataDirectory();
        Assert.Multiple(() =>
        {
            Assert.That(files.Contains(ruleA, StringComparison.Ordinal) || files.Contains(secretA, StringComparison.Ordinal), Is.False, "the rule's name or the secret in a file of the data directory (database, -wal, -shm, shares)");
            Assert.That(files.Contains(a, StringComparison.Ordinal), Is.False, "the tenant's id in a file of the data directory");
            Assert.That(files.Contains(b, StringComparison.Ordinal), Is.True, "control: the other tenant is still there");
        });

        // B keeps working: its secret still reaches its third party.
        var received = _thirdParty.Received.Count;
        using (var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", b, Samples.Event("OPS-8", "Summary")))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var call = (await _thirdParty.WaitForAsync(received + 1))[^1];
        Assert.That(call.Headers["Authorization"], Is.EqualTo("Bearer " + secretB));

        var (again, second) = await CliAsync("tenants", "erase", "--tenant", a, "--confirm", a);
        Assert.That(again, Is.Zero, second);
        Assert.That(second, Does.Contain("nothing left to erase"), second);

        // Crypto-shredding: the data key as it was stored (an old copy of the database) no longer opens the secret.
        Assert.That(async () => await OpenSecretAsync(a, connectionA, ciphertextA, oldKey: keyA), Throws.InstanceOf<TenantKeyShareMissingException>(), "the old data key opens nothing: its share is gone");
    }

    [Test]
    public async Task A_confirmation_that_differs_or_an_unknown_tenant_is_refused_and_nothing_is_written()
    {
        var a = Samples.NewTenant();
        var connectionA = await SetUpTenantAsync(a, Samples.Canary("secret-a"), Samples.Canary("rule-a"));
        var before = (await PartitionAsync(a)).Select(i => (i.Sk, i.Data)).ToList();
        var unknown = Samples.NewTenant();

        // The real CLI for one refusal (exit code and message as an operator sees them), the command itself for the others.
        var mismatch = await CliProcess.RunAsync("tenants", "erase", "--tenant", a, "--confirm", a + "x", "--data-dir", _backend.DataDirectory);
        Assert.That(async () => await CliAsync("tenants", "erase", "--tenant", a), Throws.InstanceOf<CliException>().With.Message.Contains("--confirm"), "no --confirm");
        var (strangerExit, stranger) = await CliAsync("tenants", "erase", "--tenant", unknown, "--confirm", unknown);

        var store = _backend.Services.GetRequiredService<IStore>();
        var marks = new UninstalledInstallations(store, TimeProvider.System);
        Assert.Multiple(async () =>
        {
            Assert.That(mismatch.Code, Is.EqualTo(2), mismatch.Stdout + mismatch.Stderr);
            Assert.That(mismatch.Stderr, Does.Contain("--confirm").And.Contain("differs from --tenant"));
            Assert.That(strangerExit, Is.EqualTo(1), stranger);
            Assert.That(stranger, Does.Contain("unknown to this store").And.Contain("nothing was erased"));
            Assert.That((await PartitionAsync(a)).Select(i => (i.Sk, i.Data)), Is.EqualTo(before), "the tenant's items, as they were");
            Assert.That(await marks.IsMarkedAsync(new TenantId(a), CancellationToken.None), Is.False, "no uninstall mark");
            Assert.That(await marks.IsMarkedAsync(new TenantId(unknown), CancellationToken.None), Is.False, "no mark for the unknown tenant");
            Assert.That(await PartitionAsync(unknown), Is.Empty);
            Assert.That(await store.GetAsync(StorageKeys.DirectoryPk, StorageKeys.DirectoryEntry(unknown), CancellationToken.None), Is.Null);
            Assert.That(Directory.Exists(Path.Combine(_backend.DataDirectory, PendingUninstalls.DirectoryName)), Is.False, "no pending uninstall recorded");
        });

        // Control: the tenant still works (its connection is readable through the API).
        await _backend.JsonAsync(HttpMethod.Get, "/api/connections/" + connectionA, a);
    }
}
