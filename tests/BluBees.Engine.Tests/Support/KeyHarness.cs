using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Egress;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Engine.Tests.Support;

/// <summary>
/// The embedded default wired by hand: a SQLite store and a local key ring in a temp directory, a tenant key
/// service, the secret cipher, and (on request) the connection service. Time is fake.
/// </summary>
internal sealed class KeyHarness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public KeyHarness()
    {
        Time = new FakeTimeProvider(Start);
        Store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), Time);
        Ring = new LocalKeyRing(_dir.File("keyring.json"));
        Provider = new LocalKeyEncryptionProvider(Ring);
        Keys = new TenantKeyService(Store, Provider, Time, Options.Create(new KeyOptions()));
        Cipher = new SecretCipher(Keys);
    }

    public FakeTimeProvider Time { get; }
    public IStore Store { get; }
    public LocalKeyRing Ring { get; }
    public LocalKeyEncryptionProvider Provider { get; }
    public TenantKeyService Keys { get; }
    public SecretCipher Cipher { get; }
    public string Directory => _dir.Path;

    public ConnectionService Connections(EgressOptions? egress = null) => new(Store, Cipher, Time, Options.Create(egress ?? new EgressOptions()));

    /// <summary>Every stored item of a tenant partition, raw.</summary>
    public async Task<IReadOnlyList<StoreItem>> PartitionAsync(string tenantId)
        => (await Store.QueryAsync(new QueryRequest(StorageKeys.Tenant(tenantId), string.Empty) { Limit = 1000 }, CancellationToken.None)).Items;

    public void Dispose()
    {
        Keys.Dispose();
        _dir.Dispose();
    }
}
