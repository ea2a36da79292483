using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// The embedded store's file held under an exclusive lock by another process (an operator's <c>sqlite3</c> shell, a
/// backup tool): a write cannot get the lock within the command timeout. That is a transient condition, like DynamoDB
/// throttling: the caller gets 503 with Retry-After, not a 500 it would take for a bug, and the log names the
/// exception type only.
/// </summary>
public sealed class LockedStoreTests
{
    [Test]
    public async Task A_write_that_cannot_get_the_SQLite_lock_answers_503_with_Retry_After()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer);
        var tenant = Samples.NewTenant();
        await host.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "before the lock" }, 201);

        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(host.DataDirectory, "blubees.db"), Pooling = false }.ToString());
        await other.OpenAsync();
        await using (var exclusive = other.CreateCommand())
        {
            exclusive.CommandText = "BEGIN EXCLUSIVE;";
            await exclusive.ExecuteNonQueryAsync();
        }

        // The write waits for the lock up to the store's command timeout (30 s), as long as the harness client's own
        // timeout: this request goes through a client that waits longer, built as BackendHost.SendAsync builds it.
        using var patient = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(120) };
        var token = host.Issuer.Mint(TestIssuer.ForRoute("/api/webhooks", tenant, "557058:admin"), now: DateTimeOffset.UtcNow);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks") { Content = JsonContent.Create(new JsonObject { ["name"] = "while locked" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add(FakeJira.UserTokenHeader, host.Jira.UserTokenFor(FakeJira.PrincipalOf(token)));
        using var response = await patient.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(response.Headers.RetryAfter, Is.Not.Null);
            Assert.That(body, Does.Contain("\"status\":503"), "a ProblemDetails");
            Assert.That(body, Does.Not.Contain("locked").IgnoreCase, "no internals");
            Assert.That(host.Logs.AllText, Does.Not.Contain("Unhandled SqliteException"));
        });
    }
}
