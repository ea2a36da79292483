using System.Diagnostics;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Crypto;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Rotation;

/// <summary>
/// <c>blubees keys retire</c> renames the new ring over the old one and only then zeroes the old file, so that no other
/// name of it (a hard-link snapshot of the data directory, as rsnapshot or <c>cp -al</c> make) still holds the retired
/// key. A process killed between the rename and the zeroing left the old file unzeroed for good: nothing named it any
/// more, so nothing could find it again, and the snapshot's link kept the retired key. The test kills a real CLI
/// process exactly there (strace holds it on the way out of the rename of the new ring into place, the test sends
/// SIGKILL) and then starts a ring on the directory as a backend or the next CLI command does: the replaced file,
/// still named beside the ring until its zeroing is done, is zeroed then.
/// </summary>
[NonParallelizable]
public sealed class KilledRetireRingTests
{
    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Path.Combine(Path.GetTempPath(), "blubees-tests", Guid.NewGuid().ToString("N"));

    [TearDown]
    public void Delete()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Test]
    public async Task A_retire_killed_between_the_rename_and_the_zeroing_leaves_the_retired_key_in_no_name_of_the_old_ring_after_the_next_start()
    {
        await using (var issuer = await TestIssuer.StartAsync())
        await using (await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dir }))
        {
            // A backend's data directory: its store and its key ring.
        }

        var ringPath = Path.Combine(_dir, "keyring.json");
        var ring = new LocalKeyRing(ringPath);
        var retired = ring.CurrentKeyId;
        var retiredKey = Convert.ToBase64String(ring.GetKey(retired));
        var current = ring.AddAndActivate();
        var snapshot = await HardLinkAsync(ringPath, Path.Combine(_dir, "snapshot-keyring.json"));
        Assert.That(KeysIn(snapshot)[retired], Is.EqualTo(retiredKey), "control: the snapshot reads the ring that holds the key to retire");

        await RetireKilledAfterTheRenameAsync(ringPath);

        Assert.Multiple(() =>
        {
            Assert.That(KeysIn(ringPath).Keys, Is.EqualTo(new[] { current }), "the new ring was renamed into place before the kill");
            Assert.That(KeysIn(snapshot)[retired], Is.EqualTo(retiredKey), "control: the kill came before the zeroing");
        });

        var next = new LocalKeyRing(ringPath);

        Assert.Multiple(() =>
        {
            Assert.That(next.KeyIds, Is.EqualTo(new[] { current }), "the ring in place is whole");
            Assert.That(File.ReadAllBytes(snapshot).Where(b => b != 0), Is.Empty, "the replaced ring, with the retired key, is still readable through another name of its file");
            Assert.That(Directory.GetFiles(_dir, "keyring.json*").Select(Path.GetFileName), Is.EquivalentTo(new[] { "keyring.json", "keyring.json.lock" }), "no other name is left beside the ring");
        });
    }

    /// <summary>
    /// Runs <c>blubees keys retire</c> under strace, which holds the process on its way out of the rename of the new ring
    /// (<c>keyring.json.tmp</c>) into place (<c>delay_exit</c>), and kills it (SIGKILL) once the path names the new ring.
    /// </summary>
    private async Task RetireKilledAfterTheRenameAsync(string ringPath)
    {
        var start = new ProcessStartInfo("strace") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var arg in new[]
        {
            "-f", "-qq", "-o", "/dev/null", "-P", ringPath + ".tmp", "-e", "trace=rename,renameat,renameat2",
            "-e", "inject=rename,renameat,renameat2:delay_exit=120000000",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "blubees.dll"), "keys", "retire", "--data-dir", _dir,
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("BLUBEES_URL");
        using var strace = Process.Start(start)!;
        var stdout = strace.StandardOutput.ReadToEndAsync();
        var stderr = strace.StandardError.ReadToEndAsync();
        try
        {
            await Waits.UntilAsync(() => Task.FromResult(strace.HasExited || KeysIn(ringPath).Count == 1), renamed => renamed, TimeSpan.FromSeconds(60));
            if (strace.HasExited)
            {
                Assert.Fail("the CLI ended instead of being held after the rename: " + await stdout + await stderr);
            }

            var cli = ProcFs.ChildOf(strace.Id);
            using (var process = Process.GetProcessById(cli))
            {
                process.Kill(); // SIGKILL: no finally block, no disposal runs
            }

            // Dead (a zombie until strace, its parent, reaps it; strace itself sleeps out its delay), then strace ended.
            await Waits.UntilAsync(() => Task.FromResult(ProcFs.StateOf(cli)), state => state is null or 'Z' or 'X', TimeSpan.FromSeconds(30));
            strace.Kill();
            await strace.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!strace.HasExited)
            {
                strace.Kill(entireProcessTree: true);
            }
        }
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
