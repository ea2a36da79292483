using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Engine.Crypto;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

public sealed class LocalKeyRingTests
{
    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _dir = new TempDirectory();
        _path = _dir.File("keys/keyring.json");
    }

    [TearDown]
    public void RemoveDirectory() => _dir.Dispose();

    [Test]
    public void TheFirstUseCreatesAnOwnerOnlyFileWithOneKey()
    {
        var ring = new LocalKeyRing(_path);

        Assert.That(ring.FilePath, Is.EqualTo(Path.GetFullPath(_path)));
        Assert.That(File.Exists(_path), Is.True);
        Assert.That(FileModes.Of(_path), Is.EqualTo(FileModes.OwnerOnly));
        Assert.That(ring.KeyIds, Is.EqualTo(new[] { ring.CurrentKeyId }));
        Assert.That(ring.CurrentKeyId, Does.Match("^local-[0-9a-f]{16}$"));
        Assert.That(ring.GetKey(ring.CurrentKeyId), Has.Length.EqualTo(Aead.KeySize));
    }

    [Test]
    public void AKeyIdIsDerivedFromItsKey()
    {
        var ring = new LocalKeyRing(_path);
        var key = ring.GetKey(ring.CurrentKeyId);

        Assert.That(ring.CurrentKeyId, Is.EqualTo("local-" + Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8))));
    }

    [Test]
    public void GetKeyReturnsACopy()
    {
        var ring = new LocalKeyRing(_path);
        var first = ring.GetKey(ring.CurrentKeyId);
        var original = first.ToArray();

        CryptographicOperations.ZeroMemory(first);

        Assert.That(ring.GetKey(ring.CurrentKeyId), Is.EqualTo(original), "callers zero their copy after use; the ring keeps its key");
    }

    [Test]
    public void ReloadingTheFileGivesTheSameKeys()
    {
        var ring = new LocalKeyRing(_path);
        var rotated = ring.AddAndActivate();

        var reloaded = new LocalKeyRing(_path);

        Assert.That(reloaded.CurrentKeyId, Is.EqualTo(rotated));
        Assert.That(reloaded.KeyIds, Is.EquivalentTo(ring.KeyIds));
        Assert.That(ring.KeyIds.Select(reloaded.GetKey), Is.EqualTo(ring.KeyIds.Select(ring.GetKey)));
    }

    [Test]
    public void TwoRingsInDifferentFilesHaveDifferentKeys()
    {
        var a = new LocalKeyRing(_path);
        var b = new LocalKeyRing(_dir.File("other.json"));

        Assert.That(b.CurrentKeyId, Is.Not.EqualTo(a.CurrentKeyId));
    }

    [Test]
    public void AddAndActivateMakesANewCurrentKeyAndKeepsTheOld()
    {
        var ring = new LocalKeyRing(_path);
        var old = ring.CurrentKeyId;
        var oldKey = ring.GetKey(old);

        var added = ring.AddAndActivate();

        Assert.That(added, Is.Not.EqualTo(old));
        Assert.That(ring.CurrentKeyId, Is.EqualTo(added));
        Assert.That(ring.KeyIds, Is.EquivalentTo(new[] { old, added }));
        Assert.That(ring.GetKey(old), Is.EqualTo(oldKey));
        Assert.That(FileModes.Of(_path), Is.EqualTo(FileModes.OwnerOnly), "the rewritten file is owner-only too");
        Assert.That(File.Exists(_path + ".tmp"), Is.False, "no temporary file is left behind");
    }

    [Test]
    public void RetireOldKeysKeepsOnlyTheCurrentKey()
    {
        var ring = new LocalKeyRing(_path);
        var first = ring.CurrentKeyId;
        ring.AddAndActivate();
        var current = ring.AddAndActivate();

        var removed = ring.RetireOldKeys();

        Assert.That(removed, Is.EqualTo(2));
        Assert.That(ring.KeyIds, Is.EqualTo(new[] { current }));
        Assert.That(() => ring.GetKey(first), Throws.InstanceOf<CryptographicException>().With.Message.Contains(first));
        Assert.That(new LocalKeyRing(_path).KeyIds, Is.EqualTo(new[] { current }), "retirement is saved");
        Assert.That(ring.RetireOldKeys(), Is.Zero);
    }

    [Test]
    public void AnUnknownKeyIdIsACryptographicError()
    {
        var ring = new LocalKeyRing(_path);

        Assert.That(() => ring.GetKey("local-0000000000000000"), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void AFileWhoseCurrentKeyIsMissingIsRefused()
    {
        new LocalKeyRing(_path).AddAndActivate();
        var json = JsonNode.Parse(File.ReadAllText(_path))!.AsObject();
        json["current"] = "local-ffffffffffffffff";
        File.WriteAllText(_path, json.ToJsonString());

        Assert.That(() => new LocalKeyRing(_path), Throws.InstanceOf<KeyRingUnavailableException>().With.Message.Contains("names a current key it does not hold"));
    }

    /// <summary>
    /// Two operators' <c>blubees keys rotate</c> at once (two processes, each with its own ring over the file): each
    /// reads the file, adds its key and writes the file back. Without a lock on the read-modify-write, the later write
    /// dropped the other's key, although that process was already re-wrapping tenants' data keys under it (lost for
    /// good), or renamed the other's half-written temp file. Every key added must stay in the file.
    /// </summary>
    [Test]
    public void RotationsOfTwoProcessesAtOnceKeepEveryKeyAdded()
    {
        var first = new LocalKeyRing(_path);
        var second = new LocalKeyRing(_path);
        var lost = new List<string>();
        for (var round = 0; round < 40; round++)
        {
            using var start = new Barrier(2);
            var added = new string[2];
            var rings = new[] { first, second };
            Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                start.SignalAndWait();
                added[i] = rings[i].AddAndActivate();
            });

            var inFile = new LocalKeyRing(_path).KeyIds;
            lost.AddRange(added.Where(id => !inFile.Contains(id)).Select(id => $"round {round}: {id}"));
        }

        Assert.That(lost, Is.Empty, "keys added by one rotation and dropped by the other's write");
    }

    /// <summary>
    /// <c>blubees keys retire</c> checks that every data key uses the current key, then removes the others. A rotation
    /// by another process that made a new key current after that check left tenants on the key the check saw as
    /// current, and retiring then removed it: the retire refuses when the current key is no longer the one it checked.
    /// </summary>
    [Test]
    public void RetiringAfterAnotherProcessChangedTheCurrentKeyRemovesNothing()
    {
        var retiring = new LocalKeyRing(_path);
        retiring.AddAndActivate();
        var checkedCurrent = retiring.CurrentKeyId;
        var before = retiring.KeyIds.ToArray();

        var rotatedTo = new LocalKeyRing(_path).AddAndActivate();

        Assert.That(retiring.RetireOldKeys(onlyIfCurrent: checkedCurrent), Is.Null, "refused");
        Assert.That(new LocalKeyRing(_path).KeyIds, Is.EquivalentTo(before.Append(rotatedTo)), "nothing removed");
        Assert.That(retiring.RetireOldKeys(onlyIfCurrent: rotatedTo), Is.EqualTo(before.Length), "a retire that checked the current key proceeds");
    }
}
