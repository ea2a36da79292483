using System.Net.Sockets;
using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A preUninstall whose caller goes away while the uninstall runs (Forge's invocation is best effort within 55 s, a
/// proxy's timeout, a network cut): Forge does not retry it, so the deletion, once the request is read whole, must run
/// to its end. Before, the uninstall ran on the request's cancellation token: with the store slow (here its file held
/// under a lock by another process, as a backup tool does), the installation was marked uninstalled and then nothing
/// was deleted, the wrapped data key and every secret under it included, with no uninstall ever to come.
/// </summary>
public sealed class UninstallCutByClientTests : BackendFixture
{
    private const string Body = """{"context":{"cloudId":"c","moduleKey":"uninstall"},"contextToken":"t"}""";

    /// <summary>Kestrel's 'Request finished' (Information) tells when the cut request's handling is over.</summary>
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information" };

    [Test]
    public async Task An_uninstall_whose_caller_resets_the_connection_while_it_runs_still_deletes_everything()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant, secret: Samples.Canary("secret"));
        await CreateRuleAsync(tenant, Samples.Rule(connection));
        var store = Backend.Services.GetRequiredService<IStore>();
        Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, default), Is.Not.Null, "control: the tenant has a data key");
        var finished = Finished();

        // Another process holds the file's write lock: the uninstall's first write waits for it (up to 30 s).
        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(Backend.DataDirectory, "blubees.db"), Pooling = false }.ToString());
        await other.OpenAsync();
        await using (var exclusive = other.CreateCommand())
        {
            exclusive.CommandText = "BEGIN EXCLUSIVE;";
            await exclusive.ExecuteNonQueryAsync();
        }

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(Backend.Address.Host, Backend.Address.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes(Request(tenant)));
            await stream.FlushAsync();
            // The uninstall is under way once it is recorded pending (outside the SQLite file, before its first write,
            // which waits for the lock). A fixed 2 s wait here let a loaded machine reset the connection before the
            // handler had started: then nothing was accepted, and the test read the tenant's data key as left behind.
            var pending = Path.Combine(Backend.DataDirectory, PendingUninstalls.DirectoryName);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(Directory.Exists(pending) ? Directory.GetFiles(pending).Length : 0), n => n == 1), Is.EqualTo(1), "the uninstall is recorded pending");
            socket.LingerState = new LingerOption(true, 0); // the caller gives up: a reset
            socket.Close();
        }

        await Task.Delay(TimeSpan.FromSeconds(2)); // Kestrel has seen the reset
        await using (var release = other.CreateCommand())
        {
            release.CommandText = "ROLLBACK;";
            await release.ExecuteNonQueryAsync();
        }

        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Finished()), n => n > finished), Is.GreaterThan(finished), "the cut request ended");
        var left = (await Backend.DumpStoreAsync()).Where(line => line.Contains(Keys.Tenant(tenant), StringComparison.Ordinal)).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, default), Is.Null, "the tenant's wrapped data key is gone (crypto-shredding)");
            Assert.That(left, Is.Empty, "nothing of the uninstalled tenant is left");
        });
    }

    private string Request(string tenant)
    {
        var token = Issuer.Mint(TestIssuer.ForRoute("/forge/uninstall", tenant), now: Backend.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        return new StringBuilder()
            .Append("POST /forge/uninstall HTTP/1.1\r\n")
            .Append("Host: ").Append(Backend.Address.Authority).Append("\r\n")
            .Append("Authorization: Bearer ").Append(token).Append("\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(Body)).Append("\r\n\r\n")
            .Append(Body)
            .ToString();
    }

    private int Finished() => Backend.Logs.Lines.Count(l => l.Contains("Request finished", StringComparison.Ordinal));
}
