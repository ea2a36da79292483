using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

public sealed class SecretCipherTests
{
    private const string Secret = "sk-live-4f6b2c9e8d7a1b3c";
    private KeyHarness _h = null!;

    private static CancellationToken Ct => CancellationToken.None;

    [SetUp]
    public void CreateHarness() => _h = new KeyHarness();

    [TearDown]
    public void DisposeHarness() => _h.Dispose();

    private static string Tamper(string ciphertext, int index)
    {
        var bytes = Convert.FromBase64String(ciphertext["v1.".Length..]);
        bytes[index < 0 ? bytes.Length + index : index] ^= 0x80;
        return "v1." + Convert.ToBase64String(bytes);
    }

    [TestCase(Secret)]
    [TestCase("")]
    [TestCase("pässwörd ✓ 🐝 with spaces")]
    public async Task RoundTrips(string secret)
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", secret, Ct);

        Assert.That(ciphertext, Does.StartWith("v1."));
        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", ciphertext, Ct), Is.EqualTo(secret));
    }

    /// <summary>
    /// Every length across the base64 padding cases and past the pooled buffers' first sizes: the text is the canonical
    /// base64 of exactly nonce + ciphertext + tag (no padding character missing, no unwritten character left over).
    /// </summary>
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(17)]
    [TestCase(1_000)]
    [TestCase(16_384)]
    [TestCase(100_003)]
    public async Task EveryLengthRoundTripsAsCanonicalBase64(int length)
    {
        var secret = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "queue/m1", secret, Ct);
        var encoded = ciphertext["v1.".Length..];

        Assert.That(encoded, Is.EqualTo(Convert.ToBase64String(Convert.FromBase64String(encoded))));
        Assert.That(Convert.FromBase64String(encoded), Has.Length.EqualTo(12 + length + 16));
        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "queue/m1", ciphertext, Ct), Is.EqualTo(secret));
    }

    /// <summary>A queued message is sealed from its UTF-8 and read back from the plaintext's bytes: the same format as text.</summary>
    [Test]
    public async Task Utf8InAndOutIsTheSameFormatAsText()
    {
        const string json = "{\"payload\":\"pässwörd ✓ 🐝\"}";
        var fromBytes = await _h.Cipher.EncryptUtf8Async(new TenantId("tenant-a"), "queue/m1", Encoding.UTF8.GetBytes(json), Ct);
        var fromText = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "queue/m1", json, Ct);

        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "queue/m1", fromBytes, Ct), Is.EqualTo(json));
        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "queue/m1", fromText, static utf8 => Encoding.UTF8.GetString(utf8), Ct), Is.EqualTo(json));
        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "queue/m1", fromBytes, static utf8 => utf8.Length, Ct), Is.EqualTo(Encoding.UTF8.GetByteCount(json)));
    }

    [Test]
    public async Task AReaderThatThrowsFailsTheDecryptWithItsOwnException()
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "queue/m1", "{", Ct);

        Assert.That(() => _h.Cipher.DecryptAsync<System.Text.Json.JsonElement>(new TenantId("tenant-a"), "queue/m1", ciphertext,
            static utf8 => System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(utf8), Ct), Throws.InstanceOf<System.Text.Json.JsonException>());
    }

    /// <summary>What the store holds from earlier builds (base64 with its line breaks, as <c>FromBase64String</c> read it) still opens.</summary>
    [Test]
    public async Task WhitespaceInTheStoredTextIsIgnoredAsBefore()
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);

        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", ciphertext[..12] + "\r\n" + ciphertext[12..], Ct), Is.EqualTo(Secret));
    }

    [TestCase("v1.!!!!", "Malformed secret ciphertext.")]
    [TestCase("v1.AAA", "Malformed secret ciphertext.")]
    [TestCase("v1.", "The secret did not authenticate under the tenant's data key.")]
    [TestCase("v1.AAAA", "The secret did not authenticate under the tenant's data key.")]
    public async Task AMalformedOrShortCiphertextIsRefusedByName(string ciphertext, string message)
    {
        await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);

        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", ciphertext, Ct),
            Throws.InstanceOf<CryptographicException>().With.Message.EqualTo(message));
    }

    [Test]
    public async Task ThePlaintextNeverAppearsInTheCiphertextOrTheStore()
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);
        var stored = await _h.PartitionAsync("tenant-a");

        Assert.That(ciphertext, Does.Not.Contain(Secret));
        Assert.That(ciphertext, Does.Not.Contain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret))));
        Assert.That(Convert.FromBase64String(ciphertext[3..]), Has.Length.EqualTo(12 + Encoding.UTF8.GetByteCount(Secret) + 16));
        Assert.That(stored.Select(i => i.Data), Has.None.Contains(Secret));
    }

    [Test]
    public async Task EncryptingTwiceGivesDifferentCiphertexts()
    {
        var a = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);
        var b = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);

        Assert.That(b, Is.Not.EqualTo(a));
    }

    [Test]
    public async Task ACiphertextCopiedToAnotherTenantDoesNotOpen()
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);
        await _h.Keys.GetOrCreateAsync(new TenantId("tenant-b"), Ct);

        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-b"), "connection/conn_1", ciphertext, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [TestCase("connection/conn_2")]
    [TestCase("connection/conn_1 ")]
    [TestCase("queue/conn_1")]
    public async Task ACiphertextCopiedToAnotherRecordDoesNotOpen(string recordId)
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);

        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-a"), recordId, ciphertext, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [TestCase(0)]
    [TestCase(20)]
    [TestCase(-1)]
    public async Task ATamperedCiphertextDoesNotOpen(int index)
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);

        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", Tamper(ciphertext, index), Ct), Throws.InstanceOf<CryptographicException>());
    }

    [TestCase("v2.AAAA")]
    [TestCase("plain-secret")]
    [TestCase("")]
    public async Task AnUnknownFormatIsRefused(string ciphertext)
    {
        await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);

        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", ciphertext, Ct),
            Throws.InstanceOf<CryptographicException>().With.Message.EqualTo("Unknown secret format."));
    }

    [Test]
    public async Task DecryptingForATenantWithoutAKeyFailsAndCreatesNone()
    {
        var ciphertext = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);

        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-new"), "connection/conn_1", ciphertext, Ct),
            Throws.InstanceOf<CryptographicException>().With.Message.EqualTo("The tenant has no data key."));
        Assert.That(await _h.PartitionAsync("tenant-new"), Is.Empty);
    }

    [Test]
    public async Task DeletingTheTenantKeyCryptoShredsItsSecrets()
    {
        var first = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);
        var second = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_2", "other", Ct);
        var bystander = await _h.Cipher.EncryptAsync(new TenantId("tenant-b"), "connection/conn_1", Secret, Ct);

        Assert.That(await _h.Store.DeleteAsync(Keys.Tenant("tenant-a"), Keys.DataKey, Ct), Is.True);
        _h.Keys.Evict(new TenantId("tenant-a"));

        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", first, Ct), Throws.InstanceOf<CryptographicException>());
        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_2", second, Ct), Throws.InstanceOf<CryptographicException>());
        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-b"), "connection/conn_1", bystander, Ct), Is.EqualTo(Secret), "other tenants are untouched");
    }

    [Test]
    public async Task ANewKeyAfterShreddingDoesNotOpenOldSecrets()
    {
        var old = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", Secret, Ct);
        await _h.Store.DeletePartitionAsync(Keys.Tenant("tenant-a"), Ct);
        _h.Keys.Evict(new TenantId("tenant-a"));

        var fresh = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", "new", Ct);

        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", fresh, Ct), Is.EqualTo("new"));
        Assert.That(() => _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", old, Ct), Throws.InstanceOf<CryptographicException>());
    }
}
