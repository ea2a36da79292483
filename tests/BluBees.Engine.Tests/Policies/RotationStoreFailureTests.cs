using System.Text.Json.Nodes;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// A server that rotates refresh tokens retires the one it was sent. When the store refused the write of the new one
/// (SQLite locked by another process past its busy timeout; DynamoDB throttling), the refresh crashed: the run failed as
/// internal_error although the server had issued a good access token, and the rotated refresh token was gone, so the next
/// refresh sent the retired one and the connection was dead until an admin re-authorised it.
/// </summary>
public sealed class RotationStoreFailureTests
{
    private static readonly TenantId Tenant = new("tenant-rotation-store");

    [Test]
    public async Task A_rotated_refresh_token_the_store_refused_is_used_for_the_next_refresh_and_stored_then()
    {
        using var h = new PolicyHarness();
        await using var tokens = new TokenEndpoint
        {
            Answer = (_, n) => (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "Bearer", ["expires_in"] = 120, ["refresh_token"] = "rt-" + (n + 1) }),
            Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await h.CreateAsync(Tenant, tokens.RefreshToken(api, "rt-1"));

        var first = h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        await Eventually.TrueAsync(() => tokens.Requests == 1, "the refresh is at the token endpoint");
        StepOutcome outcome;
        await using (var holder = new SqliteConnection($"Data Source={Path.Combine(h.Keys.Directory, "blubees.db")};Pooling=False"))
        {
            // Another process holds the write lock while the token endpoint answers with rt-2.
            await holder.OpenAsync();
            await using var lockIt = holder.CreateCommand();
            lockIt.CommandText = "BEGIN IMMEDIATE;";
            await lockIt.ExecuteNonQueryAsync();
            tokens.Gate.SetResult();
            outcome = await first;
            lockIt.CommandText = "ROLLBACK;";
            await lockIt.ExecuteNonQueryAsync();
        }

        Assert.That(outcome.Record.ErrorCategory, Is.Null, "the access token the server issued is good");
        Assert.That(api.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer at-1"));
        Assert.That(h.Logs, Has.Some.Contains("rotated but not stored"));

        h.Time.Advance(TimeSpan.FromSeconds(61));
        var second = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(second.Record.ErrorCategory, Is.Null);
        Assert.That(tokens.Forms.Select(f => f["refresh_token"]!.GetValue<string>()), Is.EqualTo(new[] { "rt-1", "rt-2" }), "rt-1 was retired by the rotation");
        Assert.That(await h.Rotated.RevealAsync(Tenant, connection, CancellationToken.None), Is.EqualTo("rt-3"));
        Assert.That(string.Join('\n', h.Logs), Does.Not.Contain("rt-2").And.Not.Contain("rt-3").And.Not.Contain("at-1"));
    }
}
