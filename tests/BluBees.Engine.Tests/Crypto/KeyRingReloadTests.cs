using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// A backend's key ring follows the ring file that <c>blubees keys rotate</c> rewrites in another process: it
/// unwraps keys re-wrapped under a key it never loaded, never wraps under a key that is no longer current, drops a
/// retired key at once, and every data key it stores is listed in the directory that rotation iterates. Failed
/// decrypts are logged at error level without secrets and counted.
/// </summary>
public sealed class KeyRingReloadTests
{
    private KeyHarness _h = null!;
    private static CancellationToken Ct => CancellationToken.None;

    [SetUp]
    public void CreateHarness() => _h = new KeyHarness();

    [TearDown]
    public void DisposeHarness() => _h.Dispose();

    /// <summary>The operator's ring: another instance on the same file, as the CLI process has.</summary>
    private LocalKeyRing OperatorRing() => new(Path.Combine(_h.Directory, "keyring.json"));

    private TenantKeyService OperatorKeys(LocalKeyRing ring) => new(_h.Store, new LocalKeyEncryptionProvider(ring), _h.Time, Options.Create(new KeyOptions()));

    private async Task<string> WrappingKeyAsync(TenantId tenantId)
        => StoredJson.Read<StoredDataKey>((await _h.Store.GetAsync(StorageKeys.Tenant(tenantId.Value), StorageKeys.DataKey, Ct))!.Data).KeyId;

    [Test]
    public async Task ADataKeyReWrappedByAnotherProcessUnwrapsAfterTheCacheExpires()
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("t1"), "rec", "s3cret", Ct);
        var operatorRing = OperatorRing();
        operatorRing.AddAndActivate();
        using (var operatorKeys = OperatorKeys(operatorRing))
        {
            Assert.That(await operatorKeys.ReWrapAsync(new TenantId("t1"), Ct), Is.True);
        }

        operatorRing.RetireOldKeys();
        _h.Time.Advance(new KeyOptions().DataKeyCacheTtl + TimeSpan.FromSeconds(1));

        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("t1"), "rec", ciphertext, Ct), Is.EqualTo("s3cret"));
        Assert.That(_h.Ring.CurrentKeyId, Is.EqualTo(operatorRing.CurrentKeyId));
    }

    [Test]
    public async Task ANewTenantIsWrappedByTheKeyTheFileNamesCurrentNotTheOneLoadedAtStart()
    {
        var loadedAtStart = _h.Ring.CurrentKeyId;
        var rotated = OperatorRing().AddAndActivate();

        await _h.Keys.GetOrCreateAsync(new TenantId("new-tenant"), Ct);

        Assert.That(rotated, Is.Not.EqualTo(loadedAtStart));
        Assert.That(await WrappingKeyAsync(new TenantId("new-tenant")), Is.EqualTo(rotated));
    }

    [Test]
    public async Task AKeyRetiredFromTheFileStopsWorkingNowNotAtTheNextRestart()
    {
        var oldKey = _h.Ring.CurrentKeyId;
        var operatorRing = OperatorRing();
        operatorRing.AddAndActivate();
        operatorRing.RetireOldKeys();

        Assert.That(() => _h.Ring.GetKey(oldKey), Throws.InstanceOf<CryptographicException>());
        Assert.That(_h.Ring.KeyIds, Is.EqualTo(new[] { operatorRing.CurrentKeyId }));
        await Task.CompletedTask;
    }

    [Test]
    public void AnUnreadableRingFileRefusesToWrapButKeepsUnwrapping()
    {
        var current = _h.Ring.CurrentKeyId;
        var key = _h.Ring.GetKey(current);
        File.WriteAllText(Path.Combine(_h.Directory, "keyring.json"), "{ not json");

        Assert.That(() => _h.Ring.CurrentKeyId, Throws.InstanceOf<CryptographicException>());
        Assert.That(() => _h.Provider.GenerateDataKeyAsync(new TenantId("t2"), Ct), Throws.InstanceOf<CryptographicException>());
        Assert.That(_h.Ring.GetKey(current), Is.EqualTo(key), "the last good ring still unwraps");
    }

    [Test]
    public async Task ADataKeyWrappedJustBeforeARotationIsReWrappedRightAfterItIsStored()
    {
        // The provider read the ring (old key current), then the operator rotated before the key was stored.
        var racing = new RotatingProvider(_h.Provider, OperatorRing());
        using var keys = new TenantKeyService(_h.Store, racing, _h.Time, Options.Create(new KeyOptions()));

        var plaintext = await keys.GetOrCreateAsync(new TenantId("t3"), Ct);

        Assert.That(await WrappingKeyAsync(new TenantId("t3")), Is.EqualTo(racing.RotatedTo));
        keys.Evict(new TenantId("t3"));
        Assert.That(await keys.GetOrCreateAsync(new TenantId("t3"), Ct), Is.EqualTo(plaintext));
    }

    /// <summary>
    /// As above, but the store held this backend's write longer than retiring's grace (a busy SQLite writer, DynamoDB
    /// throttling): <c>keys rotate --retire</c> ran to its end (the tenant had no key yet, so nothing to re-wrap) and
    /// removed the key the new data key was wrapped under. The re-wrap failed, the request failed, and the stored key
    /// stayed wrapped under a key no ring holds: every later use of the tenant failed for good (its events exhausted,
    /// its secrets unsavable). Nothing can have been sealed under a data key no one can unwrap, so it is replaced.
    /// </summary>
    [Test]
    public async Task ADataKeyWhoseWrappingKeyWasRetiredBeforeItWasStoredIsReplacedNotLeftUnopenable()
    {
        var racing = new RotatingProvider(_h.Provider, OperatorRing(), retire: true);
        using var keys = new TenantKeyService(_h.Store, racing, _h.Time, Options.Create(new KeyOptions()));

        var plaintext = await keys.GetOrCreateAsync(new TenantId("t5"), Ct);

        Assert.That(await WrappingKeyAsync(new TenantId("t5")), Is.EqualTo(racing.RotatedTo), "stored under the key that is current now");
        keys.Evict(new TenantId("t5"));
        Assert.That(await keys.GetExistingAsync(new TenantId("t5"), Ct), Is.EqualTo(plaintext), "the stored data key opens and is the one handed out");
    }

    [Test]
    public async Task EveryStoredDataKeyIsListedInTheDirectory()
    {
        await _h.Cipher.EncryptAsync(new TenantId("listed-by-encrypt"), "rec", "x", Ct);
        await _h.Keys.GetOrCreateAsync(new TenantId("listed-by-key"), Ct);
        var tenants = new TenantService(_h.Store, _h.Keys, new BluBees.Engine.Rules.RuleCache(), _h.Time);

        var listed = new List<string>();
        await foreach (var id in tenants.ListTenantIdsAsync(Ct))
        {
            listed.Add(id.Value);
        }

        Assert.That(listed, Is.EquivalentTo(new[] { "listed-by-encrypt", "listed-by-key" }));
    }

    [Test]
    public async Task AKeyStoredBeforeTheDirectoryRuleIsListedTheFirstTimeItIsUnwrapped()
    {
        await _h.Keys.GetOrCreateAsync(new TenantId("legacy"), Ct);
        await _h.Store.DeleteAsync(StorageKeys.DirectoryPk, StorageKeys.DirectoryEntry("legacy"), Ct);
        _h.Keys.Evict(new TenantId("legacy"));

        await _h.Keys.GetExistingAsync(new TenantId("legacy"), Ct);

        Assert.That(await _h.Store.GetAsync(StorageKeys.DirectoryPk, StorageKeys.DirectoryEntry("legacy"), Ct), Is.Not.Null);
    }

    [Test]
    public async Task FailedDecryptsAreLoggedAtErrorWithoutSecretsAndCounted()
    {
        var logs = new ListLogger();
        using var factory = new OneMeterFactory();
        using var metrics = new BluBeesMetrics(factory);
        var failures = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's meter: other tests may count failures on their own meters meanwhile.
            if (ReferenceEquals(instrument.Meter, factory.Created) && instrument.Name == "blubees.crypto.decrypt_failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            if (instrument.Name == "blubees.crypto.decrypt_failures")
            {
                lock (failures)
                {
                    failures.Add((string)tags[0].Value!);
                }
            }
        });
        listener.Start();
        using var keys = new TenantKeyService(_h.Store, _h.Provider, _h.Time, Options.Create(new KeyOptions()), logs.For<TenantKeyService>(), metrics);
        var cipher = new SecretCipher(keys, logs.For<SecretCipher>(), metrics);
        const string Secret = "very-secret-value-0123456789";
        var ciphertext = await cipher.EncryptAsync(new TenantId("t4"), "rec", Secret, Ct);

        // 1. A ciphertext copied to another record does not authenticate.
        Assert.That(() => cipher.DecryptAsync(new TenantId("t4"), "other-rec", ciphertext, Ct), Throws.InstanceOf<CryptographicException>());
        // 2. The data key's wrapping key is gone from the ring.
        var operatorRing = OperatorRing();
        operatorRing.AddAndActivate();
        operatorRing.RetireOldKeys();
        keys.Evict(new TenantId("t4"));
        Assert.That(() => cipher.DecryptAsync(new TenantId("t4"), "rec", ciphertext, Ct), Throws.InstanceOf<CryptographicException>());

        Assert.That(failures, Is.EquivalentTo(new[] { "secret", "data_key" }));
        Assert.That(logs.Lines.Where(l => l.Level == LogLevel.Error), Has.Exactly(2).Items);
        var text = string.Join('\n', logs.Lines.Select(l => l.Text + " " + l.Exception));
        Assert.That(text, Does.Not.Contain(Secret).And.Not.Contain(ciphertext[3..20]).And.Not.Contain("Exception"));
        Assert.That(text, Does.Contain("t4").And.Contain("authentication_failed"));
    }

    /// <summary>Wraps under the ring's current key, then rotates the ring before the caller stores the result.</summary>
    private sealed class RotatingProvider(IKeyEncryptionProvider inner, LocalKeyRing operatorRing, bool retire = false) : IKeyEncryptionProvider
    {
        private bool _rotated;

        public string? RotatedTo { get; private set; }

        public string CurrentKeyId => inner.CurrentKeyId;

        public async Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct)
        {
            var generated = await inner.GenerateDataKeyAsync(tenantId, ct);
            if (!_rotated)
            {
                // Once: the operator's command ran during this one creation.
                _rotated = true;
                RotatedTo = operatorRing.AddAndActivate();
                if (retire)
                {
                    operatorRing.RetireOldKeys();
                }
            }

            return generated;
        }

        public Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct) => inner.DecryptDataKeyAsync(tenantId, wrapped, ct);

        public Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct) => inner.ReWrapAsync(tenantId, wrapped, ct);
    }

    private sealed class OneMeterFactory : IMeterFactory
    {
        public Meter? Created { get; private set; }

        public Meter Create(MeterOptions options) => Created = new Meter(options);

        public void Dispose() => Created?.Dispose();
    }

    private sealed class ListLogger
    {
        public List<(LogLevel Level, string Text, Exception? Exception)> Lines { get; } = [];

        public ILogger<T> For<T>() => new Logger<T>(this);

        private sealed class Logger<T>(ListLogger owner) : ILogger<T>
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Lines)
                {
                    owner.Lines.Add((logLevel, formatter(state, exception), exception));
                }
            }
        }
    }
}
