using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// An edit that omits the secret keeps the stored one only while the new base URL is inside the one the secret was given
/// for (its credential scope: same origin, at or below its path). It was kept for any base URL on the same origin, so an
/// edit that never saw a <c>/v1/teamA</c> key re-pointed it at <c>/v1/teamB</c> or the whole host, and the next run sent it
/// there.
/// </summary>
public sealed class ConnectionEditScopeTests
{
    private const string Secret = "edit-scope-secret-31";
    private static readonly TenantId Tenant = new("tenant-edit-scope");

    [TestCase("/api/v1/teamB")]
    [TestCase("/api/v1/teamAB")]
    [TestCase("/api/v1")]
    [TestCase("/")]
    public async Task A_base_url_moved_out_of_the_secrets_scope_needs_the_secret_again_and_nothing_is_sent_there(string moved)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var created = await h.CreateAsync(Tenant, Input(server, "/api/v1/teamA", Secret));

        var edit = await h.Connections.UpdateAsync(Tenant, created.Id, Input(server, moved, null), CancellationToken.None);

        Assert.That(edit.Kind, Is.EqualTo(OutcomeKind.Invalid));
        Assert.That(edit.Errors!.ToDictionary().Keys, Is.EqualTo(new[] { "secret" }));
        var stored = (await h.Connections.GetAsync(Tenant, created.Id, CancellationToken.None))!;
        Assert.That(stored.BaseUrl, Is.EqualTo(created.BaseUrl), "the refused edit stored nothing");
        await h.RunAsync(Tenant.Value, PolicyHarness.Step(stored));
        Assert.That(server.Requests.Select(r => (r.Target, r.Header("Authorization"))), Is.EqualTo(new (string, string?)[] { ("/api/v1/teamA/items", "Bearer " + Secret) }));
    }

    [TestCase("/api/v1/teamA/")]
    [TestCase("/api/v1/teamA/sub")]
    public async Task A_base_url_narrowed_inside_the_scope_keeps_the_secret(string narrowed)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var created = await h.CreateAsync(Tenant, Input(server, "/api/v1/teamA", Secret));

        var edit = await h.Connections.UpdateAsync(Tenant, created.Id, Input(server, narrowed, null), CancellationToken.None);

        Assert.That(edit.Kind, Is.EqualTo(OutcomeKind.Ok), () => edit.Errors?.ToString() ?? "");
        Assert.That(edit.Value!.SecretCiphertext, Is.EqualTo(created.SecretCiphertext));
        await h.RunAsync(Tenant.Value, PolicyHarness.Step(edit.Value));
        Assert.That(server.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer " + Secret));
    }

    [Test]
    public async Task A_base_url_moved_with_a_new_secret_is_saved()
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var created = await h.CreateAsync(Tenant, Input(server, "/api/v1/teamA", Secret));

        var edit = await h.Connections.UpdateAsync(Tenant, created.Id, Input(server, "/api/v1/teamB", "team-b-secret"), CancellationToken.None);

        Assert.That(edit.Kind, Is.EqualTo(OutcomeKind.Ok), () => edit.Errors?.ToString() ?? "");
        await h.RunAsync(Tenant.Value, PolicyHarness.Step(edit.Value!));
        Assert.That(server.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer team-b-secret"));
    }

    private static ConnectionInput Input(LoopbackServer server, string path, string? secret) => new()
    {
        Name = "Team API",
        BaseUrl = server.Url(path).ToString(),
        Auth = new ConnectionAuth { Type = AuthTypes.Bearer },
        Secret = secret,
        Resilience = new ConnectionResilience { MaxRetries = 0 },
    };
}
