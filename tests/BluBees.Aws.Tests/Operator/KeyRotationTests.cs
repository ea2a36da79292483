using System.Text.Json.Nodes;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Operator;

/// <summary><c>blubees keys rotate [--retire]</c> on the local key ring and on KMS.</summary>
[TestFixture]
public sealed class KeyRotationTests
{
    private string _directory = null!;

    [SetUp]
    public void NewDirectory() => _directory = Path.Combine(Path.GetTempPath(), "blubees-rotate-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteDirectory()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private IConfiguration Configuration(Dictionary<string, string?>? extra = null)
    {
        var values = new Dictionary<string, string?> { ["Storage:DataDirectory"] = _directory };
        foreach (var (key, value) in extra ?? [])
        {
            values[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>Three installed tenants with a secret each, and one known tenant that never needed a data key.</summary>
    private static async Task<Dictionary<string, string>> SeedAsync(IConfiguration configuration)
    {
        await using var services = OperatorHost.Build(configuration);
        var secrets = new Dictionary<string, string>();
        foreach (var tenant in new[] { "tenant-a", "tenant-b", "tenant-c" })
        {
            await services.GetRequiredService<TenantService>().InstallAsync(new TenantContext(tenant, null, null), default);
            secrets[tenant] = await services.GetRequiredService<SecretCipher>().EncryptAsync(new TenantId(tenant), "connection/c1", "secret of " + tenant, default);
        }

        await services.GetRequiredService<TenantService>().EnsureAsync(new TenantContext("tenant-keyless", null, null), default);
        return secrets;
    }

    private static async Task<string> RunAsync(IConfiguration configuration, params string[] args)
    {
        using var output = new StringWriter();
        var exit = await OperatorCommands.KeysRotateAsync(new CliArgs(["keys", "rotate", .. args]), configuration, output);
        Assert.That(exit, Is.Zero, output.ToString());
        return output.ToString();
    }

    [Test]
    public async Task Local_rotation_rewraps_every_tenant_and_retire_removes_the_old_key_from_the_ring_file()
    {
        var configuration = Configuration();
        var secrets = await SeedAsync(configuration);
        var ringFile = Path.Combine(_directory, "keyring.json");
        var oldKey = (string)JsonNode.Parse(File.ReadAllText(ringFile))!["current"]!;

        var output = await RunAsync(configuration, "--retire");

        var ring = JsonNode.Parse(File.ReadAllText(ringFile))!.AsObject();
        var newKey = (string)ring["current"]!;
        Assert.Multiple(() =>
        {
            Assert.That(newKey, Is.Not.EqualTo(oldKey));
            Assert.That(output, Does.Contain("[1/4]").And.Contain("[4/4]"), "progress n/total");
            Assert.That(output, Does.Contain("tenant-keyless: no data key yet"));
            Assert.That(output, Does.Contain($"check: 3 tenant data keys, all wrapped by {newKey}; none by an old key"));
            Assert.That(ring["keys"]!.AsObject().Select(k => k.Key), Is.EqualTo(new[] { newKey }), "the old key is gone from the ring file");
            Assert.That(File.ReadAllText(ringFile), Does.Not.Contain(oldKey));
        });

        await using var after = OperatorHost.Build(configuration);
        foreach (var (tenant, ciphertext) in secrets)
        {
            Assert.That(await after.GetRequiredService<TenantKeyService>().WrappingKeyIdAsync(new TenantId(tenant), default), Is.EqualTo(newKey));
            Assert.That(await after.GetRequiredService<SecretCipher>().DecryptAsync(new TenantId(tenant), "connection/c1", ciphertext, default), Is.EqualTo("secret of " + tenant));
        }
    }

    [Test]
    public async Task Rotate_and_retire_read_a_key_item_with_a_member_a_later_build_added_and_keep_it()
    {
        var configuration = Configuration();
        var secrets = await SeedAsync(configuration);
        await using (var services = OperatorHost.Build(configuration))
        {
            var partition = services.GetRequiredService<IStore>().ForTenant(new TenantId("tenant-a"));
            var item = (await partition.GetAsync(Keys.DataKey, default))!;
            var data = JsonNode.Parse(item.Data)!.AsObject();
            data["laterBuildField"] = new JsonObject { ["kept"] = "by-the-rotation" };
            Assert.That(await partition.PutIfRevisionAsync(item with { Data = data.ToJsonString() }, item.Revision, default), Is.True);
        }

        var output = await RunAsync(configuration, "--retire");
        Assert.That(output, Does.Contain("check: 3 tenant data keys"));

        await using var after = OperatorHost.Build(configuration);
        var rewritten = JsonNode.Parse((await after.GetRequiredService<IStore>().ForTenant(new TenantId("tenant-a")).GetAsync(Keys.DataKey, default))!.Data)!;
        Assert.That(rewritten["laterBuildField"]?["kept"]?.GetValue<string>(), Is.EqualTo("by-the-rotation"), "the later build's member is written back");
        Assert.That(rewritten["rotatedAt"], Is.Not.Null);
        Assert.That(await after.GetRequiredService<SecretCipher>().DecryptAsync(new TenantId("tenant-a"), "connection/c1", secrets["tenant-a"], default), Is.EqualTo("secret of tenant-a"));
    }

    [Test]
    public async Task Without_retire_the_old_key_stays_and_a_second_rotation_works()
    {
        var configuration = Configuration();
        await SeedAsync(configuration);

        await RunAsync(configuration);
        var output = await RunAsync(configuration);

        var keys = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "keyring.json")))!["keys"]!.AsObject();
        Assert.That(keys, Has.Count.EqualTo(3));
        Assert.That(output, Does.Contain("check: 3 tenant data keys"));
    }

    [Test]
    public async Task Kms_rotation_moves_every_data_key_to_the_configured_key_and_the_old_key_can_be_disabled()
    {
        await using var kms = await KmsFake.StartAsync();
        var oldKey = kms.CreateKey();
        var newKey = kms.CreateKey();
        using var keyTable = await DynamoDbTable.CreateAsync(); // the KMS provider's key shares
        var settings = new Dictionary<string, string?>
        {
            ["Keys:Provider"] = "Kms", ["Keys:KmsServiceUrl"] = kms.Address.ToString(),
            ["Keys:KeyTableName"] = keyTable.KeyTableName, ["Storage:DynamoDbServiceUrl"] = keyTable.Url.ToString(),
        };
        var secrets = await SeedAsync(Configuration(new(settings) { ["Keys:KmsKeyId"] = oldKey }));
        var configuration = Configuration(new(settings) { ["Keys:KmsKeyId"] = newKey });

        var output = await RunAsync(configuration, "--retire");
        kms.DisableKey(oldKey);

        Assert.That(output, Does.Contain($"check: 3 tenant data keys, all wrapped by {newKey}"));
        Assert.That(output, Does.Contain("KMS keeps its key material"));
        await using var after = OperatorHost.Build(configuration);
        foreach (var (tenant, ciphertext) in secrets)
        {
            Assert.That(await after.GetRequiredService<TenantKeyService>().WrappingKeyIdAsync(new TenantId(tenant), default), Is.EqualTo(newKey));
            Assert.That(await after.GetRequiredService<SecretCipher>().DecryptAsync(new TenantId(tenant), "connection/c1", ciphertext, default), Is.EqualTo("secret of " + tenant));
        }
    }

    /// <summary>
    /// Data keys a build from before every key creation listed its tenant stored outside the directory (<c>DIR</c>),
    /// listed only when a backend first unwraps them. Rotation iterated the directory only, so an idle tenant's key
    /// stayed under the old KMS key, the check passed ("all wrapped by the new key"), and disabling the old key as
    /// the runbook says then lost the tenant's secrets and queued events. Rotation now finds and lists them first.
    /// </summary>
    [Test]
    public async Task Kms_rotation_on_DynamoDB_rewraps_a_data_key_an_older_build_never_listed()
    {
        await using var kms = await KmsFake.StartAsync();
        using var table = await DynamoDbTable.CreateAsync();
        var oldKey = kms.CreateKey();
        var newKey = kms.CreateKey();
        var settings = new Dictionary<string, string?>(table.Settings()) { ["Keys:Provider"] = "Kms", ["Keys:KmsServiceUrl"] = kms.Address.ToString() };
        var secrets = await SeedAsync(Configuration(new(settings) { ["Keys:KmsKeyId"] = oldKey }));
        var configuration = Configuration(new(settings) { ["Keys:KmsKeyId"] = newKey });
        await using (var services = OperatorHost.Build(configuration))
        {
            // The directory as an older build left it for tenant-b: its data key stored, the tenant not listed.
            Assert.That(await services.GetRequiredService<IStore>().DeleteAsync(Keys.DirectoryPk, Keys.DirectoryEntry("tenant-b"), default), Is.True, "control");
        }

        var output = await RunAsync(configuration);
        kms.DisableKey(oldKey);

        Assert.That(output, Does.Contain($"check: 3 tenant data keys, all wrapped by {newKey}"));
        await using var after = OperatorHost.Build(configuration);
        foreach (var (tenant, ciphertext) in secrets)
        {
            Assert.That(await after.GetRequiredService<SecretCipher>().DecryptAsync(new TenantId(tenant), "connection/c1", ciphertext, default), Is.EqualTo("secret of " + tenant), tenant);
        }
    }

    [TestCase("rotate")]
    [TestCase("retire")]
    public void A_data_directory_that_holds_no_store_is_refused_and_nothing_is_created_there(string command)
    {
        // A mistyped --data-dir created a new, empty database and key ring there and "rotated" them (exit 0).
        var configuration = Configuration();
        using var output = new StringWriter();
        Func<Task<int>> run = command == "rotate"
            ? () => OperatorCommands.KeysRotateAsync(new CliArgs(["keys", "rotate"]), configuration, output)
            : () => OperatorCommands.KeysRetireAsync(new CliArgs(["keys", "retire"]), configuration, output);
        Assert.That(run, Throws.InstanceOf<CliException>().With.Message.Contains("no BluBees store in " + Path.GetFullPath(_directory)));
        Assert.That(Directory.Exists(_directory), Is.False, "nothing is created in the directory given");
    }

    [Test]
    public void A_KMS_configuration_without_a_key_id_is_refused_before_touching_data()
        => Assert.That(() => RunAsync(Configuration(new() { ["Keys:Provider"] = "Kms" })), Throws.InstanceOf<CliException>().With.Message.Contains("Keys:KmsKeyId"));

    [Test]
    public void An_unreachable_store_is_named_as_the_store_not_as_the_backend()
    {
        // A loopback port nothing listens on: the operator command talks to the store, not to a running backend.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var configuration = Configuration(new()
        {
            ["Storage:Provider"] = "DynamoDb", ["Storage:TableName"] = "blubees", ["Storage:DynamoDbServiceUrl"] = $"http://127.0.0.1:{port}",
            ["AWS_REGION"] = "us-east-1",
        });
        Assert.That(() => RunAsync(configuration), Throws.InstanceOf<CliException>()
            .With.Message.Contains("cannot reach the store").And.Message.Contains($"127.0.0.1:{port}").And.Message.Not.Contains("dotnet run --project src/BluBees.Api"));
    }
}
