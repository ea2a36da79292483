using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A connection edit racing another edit or a delete: the edit is a conditional write on the revision it read, so a
/// delete that answered 204 stays deleted (no connection, no secret brought back) and every edit that answered 200 is
/// one revision of its own (tokens and resilience pipelines are cached per revision).
/// </summary>
public sealed class ConnectionEditRaceTests : BackendFixture
{
    [Test]
    public async Task A_connection_deleted_while_it_is_edited_stays_deleted()
    {
        var tenant = Samples.NewTenant();
        var resurrected = new List<int>();
        for (var i = 0; i < 50; i++)
        {
            var id = await CreateConnectionAsync(tenant);
            // Edits sent before and after the delete, all at once: one of them reads the connection before the delete
            // and writes after it (each renames: it claims its new name between its read and its write).
            var edits = new List<Task<HttpResponseMessage>>();
            Task<HttpResponseMessage>? delete = null;
            for (var n = 0; n < 8; n++)
            {
                if (n == 4)
                {
                    delete = Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{id}", tenant);
                }

                var body = Samples.Connection(ThirdParty.Address, $"edit-secret-{i}-{n}");
                body["name"] = $"Renamed {i}-{n}";
                edits.Add(Backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}", tenant, body));
            }

            using var deleted = await delete!;
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await deleted.Content.ReadAsStringAsync());
            foreach (var edit in edits)
            {
                using var edited = await edit;
                Assert.That(edited.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Conflict), await edited.Content.ReadAsStringAsync());
                if (edited.StatusCode != HttpStatusCode.OK)
                {
                    Assert.That((await ProblemAsync(edited))["detail"]!.GetValue<string>(), Does.Not.Contain("edit-secret"));
                }
            }

            using var read = await Backend.SendAsync(HttpMethod.Get, $"/api/connections/{id}", tenant);
            if (read.StatusCode != HttpStatusCode.NotFound)
            {
                resurrected.Add(i);
            }
        }

        Assert.That(resurrected, Is.Empty, "rounds whose connection was back after its delete answered 204");
        var rows = await Backend.DumpStoreAsync();
        Assert.That(rows.Where(r => r.StartsWith(Keys.Tenant(tenant) + " " + Keys.ConnectionPrefix, StringComparison.Ordinal)), Is.Empty, "no connection item is left after every delete answered 204");
    }

    [Test]
    public async Task Concurrent_edits_of_one_connection_each_answer_200_only_for_a_revision_of_their_own()
    {
        var tenant = Samples.NewTenant();
        var id = await CreateConnectionAsync(tenant);
        var store = Backend.Services.GetRequiredService<IStore>();
        var saved = 0;
        for (var round = 0; round < 10; round++)
        {
            var edits = Enumerable.Range(0, 6).Select(async n =>
            {
                var body = Samples.Connection(ThirdParty.Address, $"secret-{round}-{n}");
                body["name"] = $"Conn {round}-{n}";
                using var response = await Backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}", tenant, body);
                Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.Conflict), await response.Content.ReadAsStringAsync());
                return response.StatusCode == HttpStatusCode.OK;
            });
            saved += (await Task.WhenAll(edits)).Count(ok => ok);
        }

        var stored = StoredJson.Read<Connection>((await store.GetAsync(Keys.Tenant(tenant), Keys.Connection(id), default))!.Data);
        Assert.That(stored.Revision, Is.EqualTo(1 + saved), "each edit answered 200 wrote a revision of its own (none was silently overwritten)");
    }
}
