using Amazon.DynamoDBv2.Model;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Operator;

/// <summary>
/// <c>blubees tenants list</c> and <c>blubees tenants erase</c> on DynamoDB (dynalite) with KMS (the loopback fake) and
/// the key table: on a stack deployed before the HTTP API routed <c>POST /forge/uninstall</c>, every uninstall was API
/// Gateway's 404 and left the installation's partition and its key-table share behind. The erase leaves no item of the
/// tenant in either table, its secret no longer opens (even with its data key as it was stored), the other tenant is as
/// it was; a refused erase writes nothing.
/// </summary>
[TestFixture]
public sealed class TenantEraseTests
{
    private const string A = "tenant-erase-a";
    private const string B = "tenant-erase-b";

    private static IConfiguration Configuration(DynamoDbTable table, KmsFake kms, string keyId)
        => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(table.Settings())
        {
            ["Keys:Provider"] = "Kms", ["Keys:KmsServiceUrl"] = kms.Address.ToString(), ["Keys:KmsKeyId"] = keyId,
        }).Build();

    /// <summary>Installs the tenant (META, directory entry, data key, key-table share) with a sealed secret, a rule and a run.</summary>
    private static async Task<string> SeedAsync(ServiceProvider services, string tenant, string secret)
    {
        var id = new TenantId(tenant);
        Assert.That(await services.GetRequiredService<TenantService>().InstallAsync(new TenantContext(tenant, "cloud-" + tenant, null), default), Is.True);
        var ciphertext = await services.GetRequiredService<SecretCipher>().SealSecretAsync(id, "connection/c1", secret, default);
        var partition = services.GetRequiredService<IStore>().ForTenant(id);
        await partition.PutAsync(Keys.Connection("c1"), $$"""{"id":"c1","secretCiphertext":"{{ciphertext}}"}""", default);
        await partition.PutAsync(Keys.Rule("r1"), """{"name":"Rule of the tenant"}""", default);
        await partition.PutAsync(Keys.Run("run1"), """{"id":"run1","status":"succeeded"}""", default);
        return ciphertext;
    }

    private static async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(DynamoDbTable table, string name)
        => (await table.Client.ScanAsync(new ScanRequest { TableName = name }, default)).Items;

    private static bool Names(Dictionary<string, AttributeValue> item, string text)
        => item.Values.Any(v => v.S is { } s && s.Contains(text, StringComparison.Ordinal));

    private static async Task<(int Exit, string Output)> CliAsync(IConfiguration configuration, params string[] args)
    {
        using var output = new StringWriter();
        var cli = new CliArgs(args);
        var exit = args[1] == "list"
            ? await OperatorCommands.TenantsListAsync(cli, configuration, output)
            : await OperatorCommands.TenantsEraseAsync(cli, configuration, output);
        return (exit, output.ToString());
    }

    [Test]
    public async Task Erase_deletes_the_tenants_items_and_its_key_table_share_and_leaves_the_other_tenant_as_it_was()
    {
        await using var kms = await KmsFake.StartAsync();
        using var table = await DynamoDbTable.CreateAsync();
        var configuration = Configuration(table, kms, kms.CreateKey());
        string ciphertextA;
        StoreItem keyA;
        await using (var services = OperatorHost.Build(configuration))
        {
            ciphertextA = await SeedAsync(services, A, "secret of A");
            await SeedAsync(services, B, "secret of B");
            keyA = (await services.GetRequiredService<IStore>().GetAsync(Keys.Tenant(A), Keys.DataKey, default))!;
        }

        var shareA = Keys.KeyTablePartition(new TenantId(A));
        var keyItemsBefore = await ScanAsync(table, table.KeyTableName);
        Assert.That(keyItemsBefore.Count(i => Names(i, shareA)), Is.EqualTo(2), "control: A's tenant share and its secret's share are in the key table");
        var itemsB = (await ScanAsync(table, table.Name)).Where(i => Names(i, B)).Select(i => string.Join('|', i.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value.S + p.Value.N))).Order().ToList();
        var keyItemsB = keyItemsBefore.Where(i => !Names(i, shareA)).Select(i => string.Join('|', i.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value.S + p.Value.N + Convert.ToBase64String(p.Value.B?.ToArray() ?? [])))).Order().ToList();

        var (listed, list) = await CliAsync(configuration, "tenants", "list");
        Assert.That(listed, Is.Zero, list);
        Assert.That(list, Does.Contain($"{A}  cloud cloud-{A}  installed 20").And.Contain($"{B}  cloud cloud-{B}  installed 20").And.Not.Contain("secret of"), list);

        var (exit, output) = await CliAsync(configuration, "tenants", "erase", "--tenant", A, "--confirm", A);

        Assert.That(exit, Is.Zero, output);
        var items = await ScanAsync(table, table.Name);
        var keyItems = await ScanAsync(table, table.KeyTableName);
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain($"erased tenant {A}: 1 CONN#, 1 KEY, 1 META, 1 RULE#, 1 RUN#, 1 directory entry, 1 secret share;"), output);
            Assert.That(items.Where(i => Names(i, A)).Select(i => i["pk"].S + " " + i["sk"].S), Is.Empty, "no item of A (nor its directory entry) in the table");
            Assert.That(keyItems.Where(i => Names(i, shareA)), Is.Empty, "A's tenant share and secret shares are deleted from the key table");
            Assert.That(items.Where(i => Names(i, B)).Select(i => string.Join('|', i.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value.S + p.Value.N))).Order(), Is.EqualTo(itemsB), "B's items as they were");
            Assert.That(keyItems.Select(i => string.Join('|', i.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value.S + p.Value.N + Convert.ToBase64String(p.Value.B?.ToArray() ?? [])))).Order(), Is.EqualTo(keyItemsB), "B's shares as they were");
        });

        var (again, second) = await CliAsync(configuration, "tenants", "erase", "--tenant", A, "--confirm", A);
        Assert.That(again, Is.Zero, second);
        Assert.That(second, Does.Contain("nothing left to erase"), second);

        await using (var after = OperatorHost.Build(configuration))
        {
            var store = after.GetRequiredService<IStore>();
            Assert.That(await new UninstalledInstallations(store, TimeProvider.System).IsMarkedAsync(new TenantId(A), default), Is.True, "marked uninstalled");
            Assert.That(await after.GetRequiredService<SecretCipher>().DecryptAsync(new TenantId(B), "connection/c1", (await CiphertextOfAsync(store, B))!, default), Is.EqualTo("secret of B"));

            // A copy of the table from before (its KEY item as stored, no mark): the data key no longer opens without the share.
            var mark = await store.GetAsync(Keys.UninstalledPk, Keys.UninstalledSk(new TenantId(A)), default);
            await store.DeleteAsync(mark!.Pk, mark.Sk, default);
            await store.PutAsync(keyA, default);
            Assert.That(async () => await after.GetRequiredService<SecretCipher>().DecryptAsync(new TenantId(A), "connection/c1", ciphertextA, default),
                Throws.InstanceOf<TenantKeyShareMissingException>(), "crypto-shredded: the key-table share is gone");
            await store.DeleteAsync(keyA.Pk, keyA.Sk, default);
            await store.PutAsync(mark, default);
        }
    }

    [Test]
    public async Task A_confirmation_that_differs_or_an_unknown_tenant_is_refused_and_the_tables_are_untouched()
    {
        await using var kms = await KmsFake.StartAsync();
        using var table = await DynamoDbTable.CreateAsync();
        var configuration = Configuration(table, kms, kms.CreateKey());
        await using (var services = OperatorHost.Build(configuration))
        {
            await SeedAsync(services, A, "secret of A");
        }

        static string Dump(List<Dictionary<string, AttributeValue>> items)
            => string.Join('\n', items.Select(i => string.Join('|', i.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value.S + p.Value.N + Convert.ToBase64String(p.Value.B?.ToArray() ?? [])))).Order());
        var before = Dump(await ScanAsync(table, table.Name)) + Dump(await ScanAsync(table, table.KeyTableName));

        Assert.That(async () => await CliAsync(configuration, "tenants", "erase", "--tenant", A, "--confirm", B),
            Throws.InstanceOf<CliException>().With.Message.Contains("--confirm").And.Message.Contains("differs from --tenant"));
        var (exit, output) = await CliAsync(configuration, "tenants", "erase", "--tenant", "tenant-never-installed", "--confirm", "tenant-never-installed");

        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("unknown to this store"));
        Assert.That(Dump(await ScanAsync(table, table.Name)) + Dump(await ScanAsync(table, table.KeyTableName)), Is.EqualTo(before), "no item written, changed or deleted in either table");
    }

    private static async Task<string?> CiphertextOfAsync(IStore store, string tenant)
    {
        var item = await store.ForTenant(new TenantId(tenant)).GetAsync(Keys.Connection("c1"), default);
        return item is null ? null : System.Text.Json.Nodes.JsonNode.Parse(item.Data)!["secretCiphertext"]!.GetValue<string>();
    }
}
