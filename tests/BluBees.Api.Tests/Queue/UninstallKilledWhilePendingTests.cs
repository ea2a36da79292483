using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// An uninstall accepted while another process held the store's write lock, whose backend is then killed (SIGKILL)
/// before its deletion could run: the real backend as a child process, the lock held by a second connection to its
/// file. Forge does not retry a preUninstall, so the intent the uninstall recorded before answering is all there is:
/// the next start finishes the deletion from it. Before, the uninstall waited for the lock with no bound on its answer,
/// and a kill meanwhile left every item of the tenant, its wrapped data key included, with no uninstall ever to come.
/// </summary>
[NonParallelizable]
public sealed class UninstallKilledWhilePendingTests() : ChildProcessTests("uninstall-kill")
{
    private const string Body = """{"context":{"cloudId":"c","moduleKey":"uninstall"},"contextToken":"t"}""";

    [Test]
    public async Task An_uninstall_accepted_under_a_held_lock_and_killed_before_its_deletion_is_finished_by_the_next_start()
    {
        var tenant = Samples.NewTenant();
        await using (var first = await BackendProcess.StartAsync(DataDirectory))
        {
            await first.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("http://127.0.0.1:9/"), Samples.Canary("secret")));
            Assert.That(await RowsOfAsync(tenant), Is.Not.Empty, "control: the tenant has data");
            await first.TokenAsync(tenant, "/forge/uninstall"); // minted before the lock is taken

            await using var held = await HeldStoreLock.TakeAsync(DataDirectory);
            var uninstall = first.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, JsonNode.Parse(Body));
            var answered = await Task.WhenAny(uninstall, Task.Delay(TimeSpan.FromSeconds(25))) == uninstall;
            Assert.That(answered, Is.True, "answered while the lock was still held");
            using (var response = await uninstall)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
            }

            await first.KillAsync(); // its deletion was waiting for the lock
            Assert.That(await RowsOfAsync(tenant), Is.Not.Empty, "control: the kill came before the deletion");
        }

        await using var second = await BackendProcess.StartAsync(DataDirectory);
        var left = await Waits.UntilAsync(async () => (await RowsOfAsync(tenant)).Concat(Directory.GetFiles(Path.Combine(DataDirectory, "uninstalling"))).ToList(), rows => rows.Count == 0, Generous);
        Assert.That(left, Is.Empty, "the next start finished the deletion, and then forgot its record");
        using var refused = await second.SendAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the installation stays uninstalled");
    }

    /// <summary>Every row naming the tenant (its partition, its directory entry), read from the file directly.</summary>
    private async Task<List<string>> RowsOfAsync(string tenant)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataDirectory, "blubees.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pk || ' ' || sk FROM items WHERE instr(pk, $t) > 0 OR instr(sk, $t) > 0";
        command.Parameters.AddWithValue("$t", tenant);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
