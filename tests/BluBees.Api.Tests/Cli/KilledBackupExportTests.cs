using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees backup export</c> over an earlier backup renames the new file over it and only then zeroes the earlier
/// one, so that no other name of it (a hard-link snapshot of the backup directory, as rsnapshot or <c>cp -al</c> make)
/// still holds its secrets. A process killed between the rename and the zeroing left the earlier backup unzeroed for
/// good: nothing named it any more. As the key ring's (<c>KilledRetireRingTests</c>), the replaced file is now named
/// beside the backup until its zeroing is done, and the next export to that path finishes it. The test kills a real
/// CLI exactly there (strace holds it on its way out of the rename, the test sends SIGKILL), then exports again.
/// </summary>
[NonParallelizable]
public sealed class KilledBackupExportTests
{
    private const string PassphraseVariable = "BLUBEES_TEST_PASSPHRASE";
    private static readonly Dictionary<string, string> Passphrase = new() { [PassphraseVariable] = "correct horse battery staple" };

    [Test]
    public async Task An_export_killed_between_the_rename_and_the_zeroing_leaves_the_earlier_backup_in_no_name_after_the_next_export()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer);
        var tenant = Samples.NewTenant();
        using (var installed = await backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" }, withUserToken: false))
        {
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var dir = Directory.CreateTempSubdirectory("blubees-cli-killed-backup-").FullName;
        try
        {
            var file = Path.Combine(dir, "tenant.bbk");
            string[] export = ["backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", backend.DataDirectory];
            var first = await CliProcess.RunAsync(Passphrase, dir, export);
            Assert.That(first.Code, Is.Zero, first.Stdout + first.Stderr);
            var earlier = await File.ReadAllBytesAsync(file);
            var snapshot = await HardLinkAsync(file, Path.Combine(dir, "snapshot.bbk"));

            await ExportKilledAfterTheRenameAsync(dir, file, export);

            Assert.Multiple(async () =>
            {
                Assert.That(await File.ReadAllBytesAsync(file), Is.Not.EqualTo(earlier), "control: the new backup was renamed into place before the kill");
                Assert.That(await File.ReadAllBytesAsync(snapshot), Is.EqualTo(earlier), "control: the kill came before the zeroing");
            });

            var next = await CliProcess.RunAsync(Passphrase, dir, export);

            Assert.That(next.Code, Is.Zero, next.Stdout + next.Stderr);
            Assert.Multiple(async () =>
            {
                Assert.That(JsonNode.Parse(await File.ReadAllTextAsync(file))!["format"]!.GetValue<string>(), Is.EqualTo("blubees-backup"), "the backup in place is whole");
                Assert.That((await File.ReadAllBytesAsync(snapshot)).Where(b => b != 0), Is.Empty, "the earlier backup is still readable through another name of its file");
                Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "tenant.bbk", "snapshot.bbk" }), "no other name is left beside the backup");
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Runs the export under strace, which holds the process on its way out of the rename of the new file into place
    /// (<c>delay_exit</c>), and kills it (SIGKILL) once the path names the new file. Every rename is held: the export
    /// makes that one only (strace 6.1's <c>-P</c> matches a <c>rename</c> by its source alone, here a random name).
    /// </summary>
    private static async Task ExportKilledAfterTheRenameAsync(string dir, string file, string[] export)
    {
        var before = await File.ReadAllBytesAsync(file);
        var start = new ProcessStartInfo("strace") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var arg in new[]
        {
            "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename,renameat,renameat2",
            "-e", "inject=rename,renameat,renameat2:delay_exit=120000000",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "blubees.dll"),
        }.Concat(export))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("BLUBEES_URL");
        foreach (var (key, value) in Passphrase)
        {
            start.Environment[key] = value;
        }

        using var strace = Process.Start(start)!;
        var stdout = strace.StandardOutput.ReadToEndAsync();
        var stderr = strace.StandardError.ReadToEndAsync();
        try
        {
            await Waits.UntilAsync(() => Task.FromResult(strace.HasExited || !File.ReadAllBytes(file).AsSpan().SequenceEqual(before)), renamed => renamed, TimeSpan.FromSeconds(90));
            if (strace.HasExited)
            {
                Assert.Fail("the CLI ended instead of being held after the rename: " + await stdout + await stderr);
            }

            var cli = ProcFs.ChildOf(strace.Id);
            using (var process = Process.GetProcessById(cli))
            {
                process.Kill(); // SIGKILL: no finally block, no disposal runs
            }

            // Then strace: a tracee held in its delay stays in tracing stop, the SIGKILL pending (Linux 6.x), until strace
            // lets go of it; the pending signal then ends it before it runs one more instruction of its own.
            strace.Kill();
            await strace.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var state = await Waits.UntilAsync(() => Task.FromResult(ProcFs.StateOf(cli)), s => s is null or 'Z' or 'X', TimeSpan.FromSeconds(30));
            Assert.That(state, Is.Null.Or.EqualTo('Z').Or.EqualTo('X'), "the CLI is dead");
        }
        finally
        {
            if (!strace.HasExited)
            {
                strace.Kill(entireProcessTree: true);
            }
        }
    }


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
