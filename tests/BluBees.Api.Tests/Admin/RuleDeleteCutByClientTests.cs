using System.Net;
using System.Net.Sockets;
using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A rule's delete whose caller goes away once the rule's head is deleted (a browser tab closed, Forge's invokeRemote
/// timing out, a proxy's timeout): the rest of the delete must still run. Before, it ran on the request's cancellation
/// token: the head was gone (the rule no longer listed, so the admin had nothing to retry), but its versions —
/// definitions in clear — were left in the store for good, the WAL was not erased, and the rule list's stamp was not
/// bumped, so the instance's cached list kept running the deleted rule on every matching event.
/// </summary>
public sealed class RuleDeleteCutByClientTests : BackendFixture
{
    /// <summary>Kestrel's 'Request finished' (Information) tells when the cut request's handling is over.</summary>
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information" };

    [Test]
    public async Task A_rule_delete_whose_caller_resets_the_connection_while_it_runs_still_deletes_every_version_and_the_rule_stops_running()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var rule = (await CreateRuleAsync(tenant, Samples.Rule(connection)))["id"]!.GetValue<string>();
        await RunEventAsync(tenant, "OPS-4101");
        Assert.That(ThirdParty.Received.Count(r => r.Path.Contains("OPS-4101", StringComparison.Ordinal)), Is.EqualTo(1), "control: the rule runs (its list is cached)");
        var finished = Finished();

        // Another process holds the file's write lock: the delete's first write waits for it (up to 30 s).
        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath(), Pooling = false }.ToString());
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
            await stream.WriteAsync(Encoding.UTF8.GetBytes(DeleteRequest(tenant, rule)));
            await stream.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(2)); // the delete is under way, waiting for the lock
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
        var left = (await Backend.DumpStoreAsync()).Where(line => line.Contains(Keys.Tenant(tenant), StringComparison.Ordinal) && line.Contains(rule, StringComparison.Ordinal)).ToList();
        await RunEventAsync(tenant, "OPS-4102");
        Assert.Multiple(() =>
        {
            Assert.That(left.Where(l => l.Contains("RULE", StringComparison.Ordinal)), Is.Empty, "no head or version (definition in clear) of the deleted rule is left");
            Assert.That(ThirdParty.Received.Count(r => r.Path.Contains("OPS-4102", StringComparison.Ordinal)), Is.Zero, "the deleted rule ran");
        });
    }

    private async Task RunEventAsync(string tenant, string issueKey)
    {
        using var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "Done"), systemToken: "system-token");
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK).Or.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        await Waits.UntilAsync(QueueRowsAsync, n => n == 0);
    }

    private string DeleteRequest(string tenant, string rule)
    {
        var path = "/api/rules/" + rule;
        var token = Issuer.Mint(TestIssuer.ForRoute(path, tenant, "557058:admin"), now: Backend.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        return new StringBuilder()
            .Append("DELETE ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(Backend.Address.Authority).Append("\r\n")
            .Append("Authorization: Bearer ").Append(token).Append("\r\n")
            .Append(FakeJira.UserTokenHeader).Append(": ").Append(Backend.Jira.UserTokenFor("557058:admin")).Append("\r\n")
            .Append("Content-Length: 0\r\n\r\n")
            .ToString();
    }

    private string DatabasePath() => Backend.Services.GetRequiredService<IOptions<StorageOptions>>().Value.SqlitePath;

    private async Task<long> QueueRowsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath()};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM run_queue";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private int Finished() => Backend.Logs.Lines.Count(l => l.Contains("Request finished", StringComparison.Ordinal));
}
