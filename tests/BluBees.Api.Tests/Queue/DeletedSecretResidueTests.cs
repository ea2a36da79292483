using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Deleting a connection or a webhook, replacing either's secret, or deleting a rule leaves nothing recoverable in the
/// SQLite files (database, <c>-wal</c>, <c>-shm</c>): the tenant is still installed, so its data key still opens any
/// surviving copy of the old ciphertext. Found by an adversarial sweep (the WAL kept the old rows); every such delete
/// or replacement now erases the residue (<c>ResidueErasure</c>). Each test checks first that the copy it looks for
/// would open with the live key, so an empty scan means gone, not unreadable.
/// </summary>
public sealed class DeletedSecretResidueTests
{
    [Test]
    public async Task A_deleted_connections_secret_ciphertext_is_not_left_in_the_database_files_where_the_live_key_opens_it()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/")); // creates the tenant and some activity
        var connections = kit.Services.GetRequiredService<ConnectionService>();
        const string secret = "canary-deleted-conn-secret-4e1c";
        var input = JsonSerializer.Deserialize<ConnectionInput>(Samples.Connection(new Uri("http://127.0.0.1:9/"), secret).ToJsonString(), JsonDefaults.Options)!;
        var created = (await connections.CreateAsync(tenant.Id, input, CancellationToken.None)).Value!;
        var ciphertext = created.SecretCiphertext!;
        var cipher = kit.Services.GetRequiredService<SecretCipher>();
        Assert.That(await cipher.DecryptAsync(tenant.Id, ConnectionService.SecretRecordId(created.Id), ciphertext, CancellationToken.None), Is.EqualTo(secret),
            "control: the scanned-for ciphertext opens while it is stored");

        Assert.That(await connections.DeleteAsync(tenant.Id, created.Id, CancellationToken.None), Is.True);
        Assert.That(await connections.GetAsync(tenant.Id, created.Id, CancellationToken.None), Is.Null);
        SqliteConnection.ClearAllPools();

        var holding = FilesHolding(kit, ciphertext);
        Assert.That(holding, Is.Empty, "the deleted connection's secret ciphertext survives in these files");
        await AssertShareGoneAsync(kit, tenant, ConnectionService.SecretRecordId(created.Id), ciphertext);
    }

    [Test]
    public async Task A_replaced_connection_secret_is_not_left_in_the_database_files_where_the_live_key_opens_it()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var connections = kit.Services.GetRequiredService<ConnectionService>();
        const string oldSecret = "canary-rotated-away-secret-9b02";
        var first = Samples.Connection(new Uri("http://127.0.0.1:9/"), oldSecret);
        var created = (await connections.CreateAsync(tenant.Id, JsonSerializer.Deserialize<ConnectionInput>(first.ToJsonString(), JsonDefaults.Options)!, CancellationToken.None)).Value!;
        var oldCiphertext = created.SecretCiphertext!;
        var cipher = kit.Services.GetRequiredService<SecretCipher>();
        Assert.That(await cipher.DecryptAsync(tenant.Id, ConnectionService.SecretRecordId(created.Id), oldCiphertext, CancellationToken.None), Is.EqualTo(oldSecret),
            "control: the scanned-for ciphertext opens while it is stored");

        // The admin rotates the credential (the old one leaked, or is being retired).
        first["secret"] = "canary-new-secret-1d77";
        var updated = await connections.UpdateAsync(tenant.Id, created.Id, JsonSerializer.Deserialize<ConnectionInput>(first.ToJsonString(), JsonDefaults.Options)!, CancellationToken.None);
        Assert.That(updated.Value!.SecretCiphertext, Is.Not.EqualTo(oldCiphertext));
        SqliteConnection.ClearAllPools();

        var holding = FilesHolding(kit, oldCiphertext);
        Assert.That(holding, Is.Empty, "the replaced secret's ciphertext survives in these files");
        await AssertShareGoneAsync(kit, tenant, ConnectionService.SecretRecordId(created.Id), oldCiphertext);
    }

    [Test]
    public async Task A_deleted_rules_definition_is_not_left_readable_in_the_database_files()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        const string canary = "canaryDeletedRuleLiteral5c3e";
        var ruleId = await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"), path: "/t/" + canary + "/{{ issue.key }}");
        var rules = kit.Services.GetRequiredService<BluBees.Engine.Rules.RuleService>();
        Assert.That(await rules.DeleteAsync(tenant.Id, ruleId, CancellationToken.None), Is.True);
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE data LIKE $c", ("$c", "%" + canary + "%")), Is.Zero, "no row holds it");
        SqliteConnection.ClearAllPools();

        Assert.That(FilesHoldingPlain(kit, canary), Is.Empty, "the deleted rule's definition (in clear) survives in these files");
    }

    [Test]
    public async Task A_rule_delete_retried_after_a_kill_between_its_deletes_leaves_no_definition_readable_in_the_database_files()
    {
        // The state a process killed inside a rule delete leaves: the head gone, its versions (definitions in clear)
        // still there. The admin's retry removes them (RuleService's leftover path) and must erase their residue too.
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        const string canary = "canaryLeftoverRuleLiteral81d2";
        var ruleId = await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"), path: "/t/" + canary + "/{{ issue.key }}");
        Assert.That(await kit.Store.DeleteAsync(Keys.Tenant(tenant.TenantId), Keys.Rule(ruleId), CancellationToken.None), Is.True, "the kill's state");

        var rules = kit.Services.GetRequiredService<BluBees.Engine.Rules.RuleService>();
        Assert.That(await rules.DeleteAsync(tenant.Id, ruleId, CancellationToken.None), Is.True, "the retry finds the versions left behind");
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE data LIKE $c", ("$c", "%" + canary + "%")), Is.Zero, "no row holds it");
        SqliteConnection.ClearAllPools();

        Assert.That(FilesHoldingPlain(kit, canary), Is.Empty, "the leftover versions' definition (in clear) survives in these files");
    }

    [Test]
    public async Task A_deleted_webhooks_secret_is_not_left_in_the_database_files_where_the_live_key_opens_it()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var hooks = ActivatorUtilities.CreateInstance<WebhookService>(kit.Services); // QueueKit registers no webhook service
        var created = (await hooks.CreateAsync(tenant.Id, new WebhookInput { Name = "Deploys" }, CancellationToken.None)).Value!;
        var ciphertext = (await hooks.GetAsync(tenant.Id, created.Id, CancellationToken.None))!.SecretCiphertext;
        var cipher = kit.Services.GetRequiredService<SecretCipher>();
        Assert.That(await cipher.DecryptAsync(tenant.Id, WebhookService.SecretRecordId(created.Id), ciphertext, CancellationToken.None), Is.EqualTo(created.Secret),
            "control: the scanned-for ciphertext opens while it is stored");

        Assert.That(await hooks.DeleteAsync(tenant.Id, created.Id, CancellationToken.None), Is.True);
        SqliteConnection.ClearAllPools();

        Assert.That(FilesHolding(kit, ciphertext), Is.Empty, "the deleted webhook's secret survives in these files");
        await AssertShareGoneAsync(kit, tenant, WebhookService.SecretRecordId(created.Id), ciphertext);
    }

    [Test]
    public async Task A_rotated_away_webhook_secret_is_not_left_in_the_database_files_where_the_live_key_opens_it()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var hooks = ActivatorUtilities.CreateInstance<WebhookService>(kit.Services); // QueueKit registers no webhook service
        var created = (await hooks.CreateAsync(tenant.Id, new WebhookInput { Name = "Deploys" }, CancellationToken.None)).Value!;
        var oldCiphertext = (await hooks.GetAsync(tenant.Id, created.Id, CancellationToken.None))!.SecretCiphertext;
        var cipher = kit.Services.GetRequiredService<SecretCipher>();
        Assert.That(await cipher.DecryptAsync(tenant.Id, WebhookService.SecretRecordId(created.Id), oldCiphertext, CancellationToken.None), Is.EqualTo(created.Secret),
            "control: the scanned-for ciphertext opens while it is stored");

        Assert.That((await hooks.RotateSecretAsync(tenant.Id, created.Id, CancellationToken.None)).Value!.Secret, Is.Not.EqualTo(created.Secret));
        SqliteConnection.ClearAllPools();

        Assert.That(FilesHolding(kit, oldCiphertext), Is.Empty, "the rotated-away webhook secret survives in these files");
        await AssertShareGoneAsync(kit, tenant, WebhookService.SecretRecordId(created.Id), oldCiphertext);
    }

    [Test]
    public async Task Control_a_save_that_keeps_the_secret_leaves_it_in_the_files()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var connections = kit.Services.GetRequiredService<ConnectionService>();
        var input = Samples.Connection(new Uri("http://127.0.0.1:9/"), "canary-kept-secret-0a1b");
        var created = (await connections.CreateAsync(tenant.Id, JsonSerializer.Deserialize<ConnectionInput>(input.ToJsonString(), JsonDefaults.Options)!, CancellationToken.None)).Value!;

        input.Remove("secret"); // an edit that keeps the stored secret (no erase: ordinary saves stay cheap)
        input["name"] = "Renamed";
        Assert.That((await connections.UpdateAsync(tenant.Id, created.Id, JsonSerializer.Deserialize<ConnectionInput>(input.ToJsonString(), JsonDefaults.Options)!, CancellationToken.None)).Value!.SecretCiphertext,
            Is.EqualTo(created.SecretCiphertext));
        SqliteConnection.ClearAllPools();

        Assert.That(FilesHolding(kit, created.SecretCiphertext!), Is.Not.Empty, "the scan finds a ciphertext that is still stored");
    }

    [Test]
    public async Task A_rotated_refresh_token_replaced_by_the_next_rotation_is_not_left_in_the_database_files_where_the_live_key_opens_it()
    {
        // OAuth 2.0 refresh-token rotation: every refresh may answer with a new refresh token, which replaces the
        // stored one (OAUTHRT#). The replaced one is a credential too (not every server revokes it at once).
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        const string first = "canary-rotated-first-3f9d";
        var (created, firstCiphertext) = await RotatedConnectionAsync(kit, tenant, first);
        var rotations = kit.Services.GetRequiredService<RotatedRefreshTokens>();

        await rotations.StoreAsync(tenant.Id, created, "canary-rotated-second-8b21", CancellationToken.None);
        Assert.That(await rotations.RevealAsync(tenant.Id, created, CancellationToken.None), Is.EqualTo("canary-rotated-second-8b21"));
        SqliteConnection.ClearAllPools();

        await AssertNoOpenableCopyAsync(kit, tenant, created, first, firstCiphertext, "the replaced rotated refresh token");
    }

    [Test]
    public async Task A_connection_delete_retried_after_a_kill_between_its_deletes_leaves_no_rotated_refresh_token_in_the_database_files()
    {
        // The state a process killed inside a connection delete could leave: the connection gone, its rotated refresh
        // token (OAUTHRT#) still there. The admin's retry answers 404 but must still remove the token, residue included.
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        const string rotated = "canary-rotated-orphan-61d4";
        var (created, ciphertext) = await RotatedConnectionAsync(kit, tenant, rotated);
        var store = kit.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant.TenantId);
        Assert.That(await store.DeleteAsync(pk, Keys.Connection(created.Id), CancellationToken.None), Is.True, "the kill's state");

        Assert.That(await kit.Services.GetRequiredService<ConnectionService>().DeleteAsync(tenant.Id, created.Id, CancellationToken.None), Is.False, "the retry finds no connection (404)");
        Assert.That(await store.GetAsync(pk, Keys.RotatedRefreshToken(created.Id), CancellationToken.None), Is.Null);
        SqliteConnection.ClearAllPools();

        await AssertNoOpenableCopyAsync(kit, tenant, created, rotated, ciphertext, "the orphaned rotated refresh token");
    }

    /// <summary>
    /// The admin replaces the connection's refresh token (the rotated one leaked), or turns the connection into a bearer
    /// one: the refresh token the server had rotated to is the credential actually in use, and it no longer applies, so
    /// neither its item (OAUTHRT#) nor any copy of its ciphertext may stay where the live data key opens it.
    /// </summary>
    [TestCase("oauth2RefreshToken")]
    [TestCase("bearer")]
    public async Task A_rotated_refresh_token_superseded_by_an_admins_edit_is_not_left_in_the_store_or_the_database_files(string newType)
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        const string rotated = "canary-rotated-then-replaced-2c7a";
        var (created, ciphertext) = await RotatedConnectionAsync(kit, tenant, rotated);
        var edit = new JsonObject
        {
            ["name"] = "OAuth API",
            ["baseUrl"] = "http://127.0.0.1:9/",
            ["auth"] = newType == "bearer"
                ? new JsonObject { ["type"] = "bearer" }
                : new JsonObject { ["type"] = "oauth2RefreshToken", ["tokenUrl"] = "http://127.0.0.1:9/oauth/token", ["clientId"] = "blubees" },
            ["secret"] = "canary-admins-new-secret-0d3e",
        };

        var updated = await kit.Services.GetRequiredService<ConnectionService>().UpdateAsync(
            tenant.Id, created.Id, JsonSerializer.Deserialize<ConnectionInput>(edit.ToJsonString(), JsonDefaults.Options)!, CancellationToken.None);

        Assert.That(updated.Value, Is.Not.Null, updated.Detail);
        var store = kit.Services.GetRequiredService<IStore>();
        Assert.That(await store.GetAsync(Keys.Tenant(tenant.TenantId), Keys.RotatedRefreshToken(created.Id), CancellationToken.None), Is.Null, "the superseded rotated token's item");
        SqliteConnection.ClearAllPools();
        await AssertNoOpenableCopyAsync(kit, tenant, created, rotated, ciphertext, "the rotated refresh token the admin's edit superseded");
    }

    /// <summary>
    /// A tenant with an OAuth connection whose server rotated its refresh token to <paramref name="rotated"/>, and the
    /// stored ciphertext of that token.
    /// </summary>
    private static async Task<(Connection Connection, string Ciphertext)> RotatedConnectionAsync(QueueKit kit, TenantContext tenant, string rotated)
    {
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var input = new JsonObject
        {
            ["name"] = "OAuth API",
            ["baseUrl"] = "http://127.0.0.1:9/",
            ["auth"] = new JsonObject { ["type"] = "oauth2RefreshToken", ["tokenUrl"] = "http://127.0.0.1:9/oauth/token", ["clientId"] = "blubees" },
            ["secret"] = "canary-configured-refresh-5a1e",
            ["clientSecret"] = "canary-client-secret-77c0",
        };
        var created = (await kit.Services.GetRequiredService<ConnectionService>().CreateAsync(
            tenant.Id, JsonSerializer.Deserialize<ConnectionInput>(input.ToJsonString(), JsonDefaults.Options)!, CancellationToken.None)).Value!;
        await kit.Services.GetRequiredService<RotatedRefreshTokens>().StoreAsync(tenant.Id, created, rotated, CancellationToken.None);
        var stored = await kit.Services.GetRequiredService<IStore>().GetAsync(Keys.Tenant(tenant.TenantId), Keys.RotatedRefreshToken(created.Id), CancellationToken.None);
        var ciphertext = JsonDocument.Parse(stored!.Data).RootElement.GetProperty("ciphertext").GetString()!;
        Assert.That(await kit.Services.GetRequiredService<SecretCipher>().DecryptAsync(tenant.Id, RotatedRefreshTokens.RecordId(created.Id), ciphertext, CancellationToken.None),
            Is.EqualTo(rotated), "control: the scanned-for ciphertext opens while it is stored");
        return (created, ciphertext);
    }

    /// <summary>No database file holds the rotated token's old ciphertext (it opened while stored: the control in <see cref="RotatedConnectionAsync"/>), and its share is gone.</summary>
    private static async Task AssertNoOpenableCopyAsync(QueueKit kit, TenantContext tenant, Connection connection, string token, string ciphertext, string what)
    {
        Assert.That(token, Is.Not.Empty);
        Assert.That(FilesHolding(kit, ciphertext), Is.Empty, what + " survives in these files");
        await AssertShareGoneAsync(kit, tenant, RotatedRefreshTokens.RecordId(connection.Id), ciphertext);
    }

    /// <summary>
    /// The removed secret's own key share is deleted as well: a copy of its ciphertext kept anywhere else (an old copy of
    /// the database, a file backup) no longer opens with the tenant's live data key (<c>OldDatabaseCopyTests</c>).
    /// </summary>
    private static async Task AssertShareGoneAsync(QueueKit kit, TenantContext tenant, string recordId, string ciphertext)
        => Assert.That(async () => await kit.Services.GetRequiredService<SecretCipher>().DecryptAsync(tenant.Id, recordId, ciphertext, CancellationToken.None),
            Throws.InstanceOf<System.Security.Cryptography.CryptographicException>(), "the removed secret's share is gone: no copy of it opens");

    private static List<string> FilesHoldingPlain(QueueKit kit, string needle)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(needle);
        var found = new List<string>();
        foreach (var f in Directory.EnumerateFiles(kit.DataDirectory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            if (memory.ToArray().AsSpan().IndexOf(bytes) >= 0)
            {
                found.Add(Path.GetFileName(f));
            }
        }

        return found;
    }

    private static List<string> FilesHolding(QueueKit kit, string needle)
    {
        // Stored JSON may escape characters of the base64 text ('+' as \u002B): look for the text as it is and as
        // JSON writes it. (Looking for its longest fragment between '+', '/' and '=' failed now and then: a random
        // ciphertext's longest fragment was sometimes shorter than the 16 characters that test asked for.)
        var escaped = System.Text.Json.JsonSerializer.Serialize(needle)[1..^1];
        return [.. FilesHoldingPlain(kit, needle).Union(FilesHoldingPlain(kit, escaped))];
    }
}
