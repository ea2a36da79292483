using System.Text.Json.Nodes;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>The refresh-token grant: rotation stored encrypted, and no secret in any log line or run record.</summary>
public sealed class RefreshTokenTests
{
    private static readonly TenantId Tenant = new("tenant-refresh");

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    /// <summary>Issues rt-(n+1) with every access token at-n, valid 120 s.</summary>
    private static TokenEndpoint Rotating() => new()
    {
        Answer = (_, n) => (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "Bearer", ["expires_in"] = 120, ["refresh_token"] = "rt-" + (n + 1) }),
    };

    [Test]
    public async Task A_rotated_refresh_token_is_stored_encrypted_and_used_for_the_next_refresh()
    {
        await using var tokens = Rotating();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.RefreshToken(api, "rt-1", clientSecret: "cs-1"));

        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        _h.Time.Advance(TimeSpan.FromSeconds(61));
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        var forms = tokens.Forms.ToArray();
        Assert.That(forms.Select(f => f["grant_type"]!.GetValue<string>()), Is.All.EqualTo("refresh_token"));
        Assert.That(forms.Select(f => f["refresh_token"]!.GetValue<string>()), Is.EqualTo(new[] { "rt-1", "rt-2" }));
        Assert.That(forms.Select(f => f["client_secret"]!.GetValue<string>()), Is.All.EqualTo("cs-1"));
        var stored = await _h.StoredAsync(Tenant.Value);
        Assert.That(stored, Does.Contain("OAUTHRT#" + connection.Id));
        Assert.That(stored, Does.Not.Contain("rt-2").And.Not.Contain("rt-3").And.Not.Contain("cs-1"), "stored only as ciphertext");
        Assert.That(await _h.Rotated.RevealAsync(Tenant, connection, CancellationToken.None), Is.EqualTo("rt-3"));
    }

    /// <summary>
    /// After a rollback: the rotated token a later build stored (a member this build does not know) is still the one to
    /// send. Before, the strict read threw and every refresh of the connection failed <c>internal_error</c> (and sending
    /// the configured token instead would present one the server may have retired, or take as reuse).
    /// </summary>
    [Test]
    public async Task A_rotated_refresh_token_a_later_build_stored_is_used_for_the_next_refresh()
    {
        await using var tokens = Rotating();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.RefreshToken(api, "rt-1"));
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var partition = _h.Keys.Store.ForTenant(Tenant);
        var rotation = (await partition.GetAsync("OAUTHRT#" + connection.Id, CancellationToken.None))!;
        await partition.PutAsync(rotation.Sk, "{\"laterBuildMember\":{\"n\":1}," + rotation.Data[1..], CancellationToken.None);

        _h.Time.Advance(TimeSpan.FromSeconds(61));
        var second = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(second.Record.ErrorCategory, Is.Null, "the refresh ran with the stored rotation");
        Assert.That(tokens.Forms.Select(f => f["refresh_token"]!.GetValue<string>()), Is.EqualTo(new[] { "rt-1", "rt-2" }));
        Assert.That(await _h.Rotated.RevealAsync(Tenant, connection, CancellationToken.None), Is.EqualTo("rt-3"), "the next rotation stored again");
    }

    [Test]
    public async Task An_edit_that_keeps_the_secret_refreshes_with_the_stored_rotated_token()
    {
        await using var tokens = Rotating();
        await using var api = LoopbackServer.Ok("{}");
        var input = tokens.RefreshToken(api, "rt-1");
        var connection = await _h.CreateAsync(Tenant, input);
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        var renamed = (await _h.Connections.UpdateAsync(Tenant, connection.Id, input with { Name = "Renamed", Secret = null }, CancellationToken.None)).Value!;
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(renamed));

        Assert.That(tokens.Forms.Select(f => f["refresh_token"]!.GetValue<string>()), Is.EqualTo(new[] { "rt-1", "rt-2" }));
        Assert.That(tokens.Forms.Last().ContainsKey("client_secret"), Is.False, "a public client sends only its id");
    }

    [Test]
    public async Task A_newly_configured_refresh_token_supersedes_the_rotated_one()
    {
        await using var tokens = Rotating();
        await using var api = LoopbackServer.Ok("{}");
        var input = tokens.RefreshToken(api, "rt-1");
        var connection = await _h.CreateAsync(Tenant, input);
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        var replaced = (await _h.Connections.UpdateAsync(Tenant, connection.Id, input with { Secret = "rt-admin" }, CancellationToken.None)).Value!;
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(replaced));

        Assert.That(tokens.Forms.Select(f => f["refresh_token"]!.GetValue<string>()), Is.EqualTo(new[] { "rt-1", "rt-admin" }));
    }

    [Test]
    public async Task Deleting_the_connection_deletes_the_rotated_token()
    {
        await using var tokens = Rotating();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.RefreshToken(api, "rt-1"));
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(await _h.Connections.DeleteAsync(Tenant, connection.Id, CancellationToken.None), Is.True);
        Assert.That(await _h.StoredAsync(Tenant.Value), Does.Not.Contain("OAUTHRT#"));
    }

    [Test]
    public async Task No_canary_secret_or_token_reaches_a_log_line_a_run_record_or_the_store()
    {
        var refresh = "CANARY-refresh-" + Guid.NewGuid().ToString("N");
        var clientSecret = "CANARY-client-" + Guid.NewGuid().ToString("N");
        var access = "CANARY-access-" + Guid.NewGuid().ToString("N");
        var rotated = "CANARY-rotated-" + Guid.NewGuid().ToString("N");
        var calls = 0;
        await using var tokens = new TokenEndpoint
        {
            Answer = (form, _) => Interlocked.Increment(ref calls) switch
            {
                1 => (200, new JsonObject { ["access_token"] = access, ["token_type"] = "Bearer", ["expires_in"] = 120, ["refresh_token"] = rotated }),

                // A hostile endpoint echoes what it was sent in its error.
                _ => (400, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = form.ToJsonString() }),
            },
        };
        await using var api = Scripted.Sequence(Scripted.Answer(500, "{\"echo\":\"" + access + "\"}"));
        var connection = await _h.CreateAsync(Tenant, tokens.RefreshToken(api, refresh, clientSecret));

        var failedCall = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, "POST"));
        _h.Time.Advance(TimeSpan.FromSeconds(61));
        var failedToken = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var preview = await _h.Executor.PreviewAsync(Tenant, PolicyHarness.Step(connection), Support.StepKit.Scope(), "steps[0]", CancellationToken.None);

        Assert.That(failedCall.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(failedToken.Record.ErrorCategory, Is.EqualTo(ErrorCategories.OAuthTokenRejected));
        Assert.That(api.Requests.First().Header("Authorization"), Is.EqualTo("Bearer " + access), "the canaries were really in play");
        var evidence = _h.Evidence(failedCall, failedToken) + System.Text.Json.JsonSerializer.Serialize(preview) + await _h.StoredAsync(Tenant.Value);
        Assert.That(_h.Logs, Is.Not.Empty);
        foreach (var canary in new[] { refresh, clientSecret, access, rotated })
        {
            Assert.That(evidence, Does.Not.Contain(canary));
        }
    }
}
