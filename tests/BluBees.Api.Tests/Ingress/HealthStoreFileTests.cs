using System.Net;
using BluBees.Api.Tests.Harness;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// <c>GET /health</c> must say "unavailable" when the embedded store's file is gone from the disk or is no longer the
/// file at its path (deleted by an operator or a clean-up job, a copy renamed over it, its volume replaced):
/// connections the backend keeps open still read and write the unlinked file, so everything written from then on is
/// lost at the next start, and a check that reads through such a connection answers "ok". The answer carries no
/// internals (no path, no exception).
/// </summary>
public sealed class HealthStoreFileTests
{
    [Test]
    public async Task Health_answers_503_once_the_SQLite_file_is_deleted_under_the_running_backend()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer);
        for (var probe = 0; probe < 3; probe++)
        {
            using var before = await host.Client.GetAsync("/health");
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK), "healthy with its file in place");
        }

        var file = Path.Combine(host.DataDirectory, "blubees.db");
        Assert.That(File.Exists(file), Is.True);
        foreach (var path in new[] { file, file + "-wal", file + "-shm" })
        {
            File.Delete(path);
        }

        using var after = await host.Client.GetAsync("/health");
        var body = await after.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the file the backend writes to is gone");
            Assert.That(body, Is.EqualTo("{\"status\":\"unavailable\"}"), "no internals");
        });
    }

    /// <summary>
    /// The race a clean-clone run once hit (200 right after the deletes), made deterministic: a connection opened by the
    /// path between the deletes (every pooled open of the store and the queue may be a new one, and opens with
    /// <c>Create</c>: the worker's claims, the checkpointer) creates the file again, empty, and its first read deletes
    /// the old <c>-wal</c> as left over (SQLite does so beside an empty file). /health said "ok": the probe's read of the
    /// health key sat behind a <c>PRAGMA</c> in one command and never ran, and the new file is where the probe looks,
    /// while the backend's connections write the unlinked one. Now the probe asks SQLite whether the file the store
    /// opened is still the one at the path, and its read runs.
    /// </summary>
    [Test]
    public async Task Health_answers_503_when_a_connection_opened_by_the_path_between_the_deletes_created_the_file_again()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer);
        using (var before = await host.Client.GetAsync("/health"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK), "healthy with its file in place");
        }

        var file = Path.Combine(host.DataDirectory, "blubees.db");
        File.Delete(file);
        await using (var between = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString()))
        {
            await between.OpenAsync();
            await using var read = between.CreateCommand();
            read.CommandText = "SELECT count(*) FROM sqlite_master;";
            Assert.That(await read.ExecuteScalarAsync(), Is.EqualTo(0L), "a new, empty file");
        }

        File.Delete(file + "-wal");
        File.Delete(file + "-shm");
        Assert.That(new FileInfo(file).Length, Is.Zero, "the path names the empty file the connection created");

        using var health = await host.Client.GetAsync("/health");
        var body = await health.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the file the backend writes to is gone; was 200");
            Assert.That(body, Is.EqualTo("{\"status\":\"unavailable\"}"), "no internals");
        });
    }

    /// <summary>
    /// A copy renamed over the file under the running backend (a restore or sync tool writes a copy and renames it over
    /// the path): the backend's connections go on writing the file they opened, unlinked, and what they write is lost at
    /// the next start; the file at the path is a complete database, so /health said "ok". Now it says "unavailable".
    /// </summary>
    [Test]
    public async Task Health_answers_503_once_a_copy_is_renamed_over_the_SQLite_file()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer);
        using (var before = await host.Client.GetAsync("/health"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK), "healthy with its file in place");
        }

        var file = Path.Combine(host.DataDirectory, "blubees.db");
        await using (var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        {
            await source.OpenAsync();
            await using var copy = source.CreateCommand();
            copy.CommandText = "VACUUM INTO $copy;";
            copy.Parameters.AddWithValue("$copy", file + ".copy");
            await copy.ExecuteNonQueryAsync();
        }

        File.Move(file + ".copy", file, overwrite: true);

        using var health = await host.Client.GetAsync("/health");
        var body = await health.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the backend writes the file the copy replaced; was 200");
            Assert.That(body, Is.EqualTo("{\"status\":\"unavailable\"}"), "no internals");
        });
        Assert.That(host.Logs.Lines.Where(l => l.Contains("Health check failed", StringComparison.Ordinal)), Has.Some.Contains("IOException").And.None.Contains(host.DataDirectory));
    }

    /// <summary>
    /// The file made unwritable under the running backend (here immutable, <c>chattr +i</c>, which binds root too; a
    /// volume remounted read-only after an error acts alike): every write answers 503, and /health said "ok", because
    /// SQLite opens such a file read-only without an error and the read succeeds. It now says "unavailable", without a
    /// write per probe, and "ok" again once the file can be written.
    /// </summary>
    [Test]
    public async Task Health_answers_503_while_the_SQLite_file_cannot_be_written()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer);
        var tenant = Samples.NewTenant();
        using (var created = await host.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new System.Text.Json.Nodes.JsonObject { ["name"] = "before" }))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        var file = Path.Combine(host.DataDirectory, "blubees.db");
        string[] files = [file, file + "-wal"];
        try
        {
            await ChattrAsync("+i", files);
            using (var write = await host.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new System.Text.Json.Nodes.JsonObject { ["name"] = "while read-only" }))
            {
                Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await write.Content.ReadAsStringAsync());
            }

            using var health = await host.Client.GetAsync("/health");
            var body = await health.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "before, 'ok' while every write answered 503");
                Assert.That(body, Is.EqualTo("{\"status\":\"unavailable\"}"), "no internals");
            });
            Assert.That(host.Logs.Lines.Where(l => l.Contains("Health check failed", StringComparison.Ordinal)), Has.Some.Contains("IOException").And.None.Contains(host.DataDirectory));
        }
        finally
        {
            await ChattrAsync("-i", files);
        }

        using (var healthy = await host.Client.GetAsync("/health"))
        {
            Assert.That(healthy.StatusCode, Is.EqualTo(HttpStatusCode.OK), "writable again");
        }

        using var after = await host.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new System.Text.Json.Nodes.JsonObject { ["name"] = "after" });
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Created), await after.Content.ReadAsStringAsync());
    }

    private static async Task ChattrAsync(string flag, string[] files)
    {
        var info = new System.Diagnostics.ProcessStartInfo("chattr") { RedirectStandardError = true };
        info.ArgumentList.Add(flag);
        foreach (var path in files)
        {
            info.ArgumentList.Add(path);
        }

        using var chattr = System.Diagnostics.Process.Start(info)!;
        var error = await chattr.StandardError.ReadToEndAsync();
        await chattr.WaitForExitAsync();
        Assert.That(chattr.ExitCode, Is.Zero, $"chattr {flag} (root, on a file system with the immutable flag): {error}");
    }

    [Test]
    public async Task An_unhealthy_answer_leaves_one_warning_naming_the_exception_type_only()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer);
        // Settled first, as in the test above: right after the start the worker's reclaim and first claim and the
        // checkpointer open new connections by path, and one opened between the deletes below may create the file
        // again (a clean-clone run saw /health answer 200 here once: that race, now answered 503, is the test
        // Health_answers_503_when_a_connection_opened_by_the_path_between_the_deletes_created_the_file_again).
        using (var before = await host.Client.GetAsync("/health"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK), "healthy with its file in place");
        }

        var file = Path.Combine(host.DataDirectory, "blubees.db");
        Assert.That(File.Exists(file), Is.True);
        foreach (var path in new[] { file, file + "-wal", file + "-shm" })
        {
            File.Delete(path);
        }

        using var health = await host.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var lines = host.Logs.Lines.Where(l => l.Contains("Health check failed", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Count.EqualTo(1), "the operator sees why /health said unavailable");
            Assert.That(lines.Single(), Does.StartWith("Warning ").And.Contains("IOException"), "the file the store opened is no longer at its path");
            Assert.That(lines.Single(), Does.Not.Contain(host.DataDirectory), "no path, message or stack in the line");
        });
    }
}
