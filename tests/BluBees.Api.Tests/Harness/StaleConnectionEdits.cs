using System.Net;
using System.Text.Json.Nodes;
using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// Two administrators editing one connection over the real API (<c>PUT /api/connections/{id}?baseRevision=</c>): the
/// scenarios both stores must pass (Api.Tests on SQLite, Aws.Tests on dynalite).
/// </summary>
public static class StaleConnectionEdits
{
    public const string AdminA = "557058:admin";
    public const string AdminB = "557058:admin-b";

    /// <summary>
    /// B saves over the revision both opened; A's save based on it is a 409 naming <c>baseRevision</c>, writes nothing
    /// (B's name and B's kept secret stay, A's new secret is not stored) and quotes no secret; then A's save based on
    /// the current revision, and one without <c>baseRevision</c> (an old client), save.
    /// </summary>
    public static async Task StaleSaveIsRefusedAsync(BackendHost backend, Uri thirdParty)
    {
        backend.Jira.Admins[AdminB] = true;
        var tenant = Samples.NewTenant();
        var created = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(thirdParty, "first-secret-0001"), 201);
        var id = created["id"]!.GetValue<string>();
        Assert.That(created["revision"]!.GetValue<int>(), Is.EqualTo(1), "a created connection is at revision 1");
        Assert.That((await backend.JsonAsync(HttpMethod.Get, $"/api/connections/{id}", tenant))["revision"]!.GetValue<int>(), Is.EqualTo(1));
        var listed = (await backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!;
        Assert.That(listed["revision"]!.GetValue<int>(), Is.EqualTo(1), "the list shows each connection's revision");

        // B opened revision 1 and renames it, keeping the secret (none sent).
        var byB = Body(thirdParty, "Renamed by B", secret: null);
        using (var savedB = await backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}?baseRevision=1", tenant, byB, AdminB))
        {
            Assert.That(savedB.StatusCode, Is.EqualTo(HttpStatusCode.OK), await savedB.Content.ReadAsStringAsync());
            Assert.That(JsonNode.Parse(await savedB.Content.ReadAsStringAsync())!["revision"]!.GetValue<int>(), Is.EqualTo(2));
        }

        var before = await StoredAsync(backend, tenant, id);

        // A also opened revision 1, and saves a new name and a new secret after B.
        using (var stale = await backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}?baseRevision=1", tenant, Body(thirdParty, "Renamed by A", "second-secret-A-0002"), AdminA))
        {
            var text = await stale.Content.ReadAsStringAsync();
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), text);
            Assert.That(stale.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "a ProblemDetails sent as JSON");
            var problem = JsonNode.Parse(text)!;
            Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(409));
            Assert.That(problem["reason"]!.GetValue<string>(), Is.EqualTo("connection_changed"));
            Assert.That(problem["currentRevision"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(problem["errors"]!["baseRevision"], Is.Not.Null, "the 409 names the field");
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("revision 2").And.Contain("Nothing was saved"));
            Assert.That(text, Does.Not.Contain("secret-0001").And.Not.Contain("secret-A-0002").And.Not.Contain("Renamed by A"));
        }

        var after = await StoredAsync(backend, tenant, id);
        Assert.That(after.Item.Data, Is.EqualTo(before.Item.Data), "the refused save wrote nothing");
        Assert.That(after.Item.Revision, Is.EqualTo(before.Item.Revision), "the refused save wrote nothing");
        Assert.That(after.Connection.Name, Is.EqualTo("Renamed by B"), "B's change is kept");
        Assert.That(await SecretAsync(backend, tenant, after.Connection), Is.EqualTo("first-secret-0001"), "the secret B's save kept is still the one stored");
        // The name A's refused save claimed was given back: another connection can take it (and is deleted again).
        var taken = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Body(thirdParty, "Renamed by A", "x"), 201);
        using (var deleted = await backend.SendAsync(HttpMethod.Delete, $"/api/connections/{taken["id"]!.GetValue<string>()}", tenant))
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        // A, having reloaded revision 2, saves; an old client that sends no revision saves unconditionally.
        var savedA = await backend.JsonAsync(HttpMethod.Put, $"/api/connections/{id}?baseRevision=2", tenant, Body(thirdParty, "Renamed by A", "second-secret-A-0002"));
        Assert.That(savedA["revision"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(savedA.ToJsonString(), Does.Not.Contain("secret-A-0002"));
        Assert.That(await SecretAsync(backend, tenant, (await StoredAsync(backend, tenant, id)).Connection), Is.EqualTo("second-secret-A-0002"));
        var unconditional = await backend.JsonAsync(HttpMethod.Put, $"/api/connections/{id}", tenant, Body(thirdParty, "Old client", secret: null));
        Assert.That(unconditional["revision"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(await SecretAsync(backend, tenant, (await StoredAsync(backend, tenant, id)).Connection), Is.EqualTo("second-secret-A-0002"), "a save without a secret keeps it");
    }

    /// <summary>
    /// A and B both based on revision 1, both held by <paramref name="writes"/> after their revision check, at their
    /// writes: exactly one is saved, the other is the 409 (the check is the store's conditional write, not the read).
    /// </summary>
    public static async Task InterleavedSavesSaveOneAsync(BackendHost backend, Uri thirdParty, Concurrency.HeldWrites writes)
    {
        backend.Jira.Admins[AdminB] = true;
        var tenant = Samples.NewTenant();
        var id = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(thirdParty, "first-secret-0001"), 201))["id"]!.GetValue<string>();
        writes.Hold(Keys.Connection(id));
        Task<HttpResponseMessage> a, b;
        try
        {
            a = backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}?baseRevision=1", tenant, Body(thirdParty, "Saved by A", "a-secret-0002"), AdminA);
            b = backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}?baseRevision=1", tenant, Body(thirdParty, "Saved by B", "b-secret-0003"), AdminB);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(writes.Held), n => n == 2), Is.EqualTo(2), "both saves passed their revision check and wait at their writes");
        }
        finally
        {
            writes.Release();
        }

        using var answerA = await a.WaitAsync(Waits.DefaultBound);
        using var answerB = await b.WaitAsync(Waits.DefaultBound);
        var answers = new[] { (Name: "Saved by A", Secret: "a-secret-0002", Response: answerA), (Name: "Saved by B", Secret: "b-secret-0003", Response: answerB) };
        var codes = answers.Select(x => x.Response.StatusCode).ToList();
        Assert.That(codes, Is.EquivalentTo(new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }), "exactly one of two saves based on the same revision is stored");
        var winner = answers.Single(x => x.Response.StatusCode == HttpStatusCode.OK);
        var loser = answers.Single(x => x.Response.StatusCode == HttpStatusCode.Conflict);
        var problem = JsonNode.Parse(await loser.Response.Content.ReadAsStringAsync())!;
        Assert.That(problem["reason"]!.GetValue<string>(), Is.EqualTo("connection_changed"));
        Assert.That(problem["currentRevision"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(problem["errors"]!["baseRevision"], Is.Not.Null);
        Assert.That(problem.ToJsonString(), Does.Not.Contain("secret-000"));

        var stored = await StoredAsync(backend, tenant, id);
        Assert.That(stored.Connection.Revision, Is.EqualTo(2));
        Assert.That(stored.Connection.Name, Is.EqualTo(winner.Name), "the stored connection is the saved one's, whole");
        Assert.That(await SecretAsync(backend, tenant, stored.Connection), Is.EqualTo(winner.Secret));
        using var reuse = await backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Body(thirdParty, loser.Name, "x"));
        Assert.That(reuse.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the refused save gave back the name it claimed");
    }

    private static JsonObject Body(Uri thirdParty, string name, string? secret)
    {
        var body = Samples.Connection(thirdParty, secret ?? "unused");
        body["name"] = name;
        if (secret is null)
        {
            body.Remove("secret");
        }

        return body;
    }

    private static async Task<(StoreItem Item, Connection Connection)> StoredAsync(BackendHost backend, string tenant, string id)
    {
        var item = (await backend.Services.GetRequiredService<IStore>().GetAsync(Keys.Tenant(tenant), Keys.Connection(id), default))!;
        return (item, StoredJson.Read<Connection>(item.Data));
    }

    private static Task<string> SecretAsync(BackendHost backend, string tenant, Connection connection)
        => backend.Services.GetRequiredService<ConnectionService>().RevealSecretAsync(new TenantId(tenant), connection, default);
}
