using BluBees.Cli.Operator;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Crypto;
using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Operator;

/// <summary>A backup carries an OAuth 2.0 connection's current refresh token (the rotated one) and its client secret.</summary>
public sealed class OAuthBackupTests
{
    private sealed class Side : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "blubees-oauth-backup-" + Guid.NewGuid().ToString("N"));

        public Side()
        {
            Directory.CreateDirectory(_dir);
            Store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir }), Time);
            Keys = new TenantKeyService(Store, new LocalKeyEncryptionProvider(new LocalKeyRing(Path.Combine(_dir, "keyring.json"))), Time, Options.Create(new KeyOptions()));
            Cipher = new SecretCipher(Keys);
            Connections = new ConnectionService(Store, Cipher, Time, Options.Create(new EgressOptions()));
            Tenants = new TenantService(Store, Keys, new RuleCache(), Time);
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        public SqliteStore Store { get; }
        public TenantKeyService Keys { get; }
        public SecretCipher Cipher { get; }
        public ConnectionService Connections { get; }
        public TenantService Tenants { get; }

        public void Dispose()
        {
            Keys.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public async Task The_rotated_refresh_token_and_the_client_secret_survive_export_and_restore_under_another_key()
    {
        using var source = new Side();
        using var target = new Side();
        const string tenant = "ari:cloud:ecosystem::installation/oauth-backup";
        var created = (await source.Connections.CreateAsync(new TenantId(tenant), new ConnectionInput
        {
            Name = "OAuth API",
            BaseUrl = "https://api.example.com/v1",
            Auth = new ConnectionAuth { Type = AuthTypes.OAuth2RefreshToken, TokenUrl = "https://login.example.com/token", ClientId = "blubees" },
            Secret = "rt-configured",
            ClientSecret = "cs-1",
        }, CancellationToken.None)).Value!;
        await new RotatedRefreshTokens(source.Store, source.Cipher).StoreAsync(new TenantId(tenant), created, "rt-rotated", CancellationToken.None);

        var backup = await new BackupExporter(source.Store, source.Cipher, source.Time).ExportAsync(new TenantId(tenant), CancellationToken.None);
        await new BackupRestorer(target.Store, target.Cipher, target.Tenants).RestoreAsync(backup, new TenantId(tenant), CancellationToken.None);
        var restored = (await target.Connections.GetAsync(new TenantId(tenant), created.Id, CancellationToken.None))!;

        // No ciphertext under the source's key: the members are emptied in place (null), so the restore seals them where they stood.
        var exported = System.Text.Json.Nodes.JsonNode.Parse(backup.Items.Single(i => i.Sk.StartsWith(Keys.ConnectionPrefix, StringComparison.Ordinal)).Data)!.AsObject();
        Assert.That(exported.Where(m => m.Key.EndsWith("Ciphertext", StringComparison.Ordinal)).Select(m => m.Value), Is.All.Null);
        Assert.That(exported.ToJsonString(), Does.Not.Contain(created.SecretCiphertext!).And.Not.Contain(created.ClientSecretCiphertext!));
        Assert.That(await new RotatedRefreshTokens(target.Store, target.Cipher).RevealAsync(new TenantId(tenant), restored, CancellationToken.None), Is.EqualTo("rt-rotated"));
        Assert.That(await target.Connections.RevealClientSecretAsync(new TenantId(tenant), restored, CancellationToken.None), Is.EqualTo("cs-1"));
    }
}
