using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// <c>GET /health</c> must say "unavailable" when the embedded store's file is gone from the disk (deleted by an
/// operator or a clean-up job, or its volume replaced): connections the backend keeps open still read and write the
/// unlinked file, so everything written from then on is lost at the next start, and a check that reads through such
/// a connection answers "ok". The answer carries no internals (no path, no exception).
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

    [Test]
    public async Task An_unhealthy_answer_leaves_one_warning_naming_the_exception_type_only()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer);
        var file = Path.Combine(host.DataDirectory, "blubees.db");
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
            Assert.That(lines.Single(), Does.StartWith("Warning ").And.Contains("SqliteException"));
            Assert.That(lines.Single(), Does.Not.Contain(host.DataDirectory), "no path, message or stack in the line");
        });
    }
}
