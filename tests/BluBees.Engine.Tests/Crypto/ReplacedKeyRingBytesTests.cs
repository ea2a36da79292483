using System.Diagnostics;
using System.Text.Json.Nodes;
using BluBees.Engine.Crypto;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// Rotating and retiring (<c>blubees keys rotate --retire</c>) replace the ring file by renaming a new one over it. The
/// rename only unlinks the old file: its bytes, the retired key among them, stayed in its blocks for whatever still
/// reaches them, and with an old copy of the database a retired key opens every data key it wrapped. The test reads the
/// old file through a second hard link taken before the retire (a hard-link snapshot of the data directory, as rsnapshot
/// or <c>cp -al</c> make): before, it still held the retired key. The old file is zeroed only after the rename, and a
/// reader that opened it just before reads the path again: a backend reading the ring while the operator rotates never
/// fails.
/// </summary>
public sealed class ReplacedKeyRingBytesTests
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
    public async Task A_retired_key_is_in_no_other_name_of_the_replaced_ring_file()
    {
        var ring = new LocalKeyRing(_path);
        var retired = ring.CurrentKeyId;
        var retiredKey = Convert.ToBase64String(ring.GetKey(retired));
        ring.AddAndActivate();
        var link = await HardLinkAsync(_path, _dir.File("snapshot-keyring.json"));
        Assert.That(KeysIn(link)[retired], Is.EqualTo(retiredKey), "control: the link reads the ring that holds the key to retire");

        Assert.That(ring.RetireOldKeys(), Is.EqualTo(1));

        Assert.That(KeysIn(_path).Keys, Is.EqualTo(new[] { ring.CurrentKeyId }), "the ring no longer holds the retired key");
        Assert.That(File.ReadAllBytes(link).Where(b => b != 0), Is.Empty, "the replaced ring, with the retired key, is still readable through another name of its file");
        Assert.That(new LocalKeyRing(_path).KeyIds, Is.EqualTo(new[] { ring.CurrentKeyId }), "the new ring is whole");
    }

    [Test]
    public void A_reader_never_fails_while_another_process_rotates_and_retires()
    {
        var backend = new LocalKeyRing(_path);
        var operatorRing = new LocalKeyRing(_path);
        using var done = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                // As a backend does: the current key (re-read every time) with its material, and a key by id (re-read
                // when the file changed); and as a starting one does: a new instance reading the file.
                var (id, key) = backend.GetCurrentKey();
                Assert.That(key, Has.Length.EqualTo(Aead.KeySize));
                Assert.That(backend.CurrentKeyId, Does.StartWith("local-"));
                Assert.That(backend.KeyIds, Is.Not.Empty);
                Assert.That(new LocalKeyRing(_path).KeyIds, Has.Count.InRange(1, 2));
                reads++;
            }
        });

        try
        {
            for (var i = 0; i < 150 && !reader.IsCompleted; i++)
            {
                operatorRing.AddAndActivate();
                operatorRing.RetireOldKeys();
            }
        }
        finally
        {
            done.Cancel();
        }

        Assert.That(() => reader.GetAwaiter().GetResult(), Throws.Nothing, "a reader saw a torn or zeroed ring");
        Assert.That(reads, Is.Positive, "control: the reader read while the ring was replaced");
    }

    private static Dictionary<string, string> KeysIn(string file)
        => JsonNode.Parse(File.ReadAllText(file))!["keys"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);

    /// <summary>A second name for <paramref name="file"/> (ln: .NET creates no hard links).</summary>
    private static async Task<string> HardLinkAsync(string file, string link)
    {
        using var ln = Process.Start(new ProcessStartInfo("ln", [file, link]) { RedirectStandardError = true })!;
        var error = await ln.StandardError.ReadToEndAsync();
        await ln.WaitForExitAsync();
        Assert.That(ln.ExitCode, Is.Zero, "ln: " + error);
        return link;
    }
}
