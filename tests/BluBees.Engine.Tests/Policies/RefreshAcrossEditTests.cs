using System.Text.Json.Nodes;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// Found by the egress sweep: single-flight was per connection revision, so an admin's edit that kept the refresh
/// token while a refresh was in flight let a run of the new revision send the same refresh token again at once. A
/// rotating server refuses the second use (or revokes the whole token family), and the rotated token was spent twice.
/// </summary>
public sealed class RefreshAcrossEditTests
{
    private static readonly TenantId Tenant = new("tenant-refresh-edit");

    [Test]
    public async Task A_refresh_of_the_edited_revision_waits_for_the_one_in_flight_and_uses_the_token_it_rotated()
    {
        using var h = new PolicyHarness();
        await using var tokens = new TokenEndpoint
        {
            Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
            Answer = (form, n) => (200, new JsonObject
            {
                ["access_token"] = "at-" + n, ["token_type"] = "Bearer", ["expires_in"] = 3600, ["refresh_token"] = "rt-" + (n + 1),
            }),
        };
        await using var api = LoopbackServer.Ok("{}");
        var input = tokens.RefreshToken(api, "rt-1");
        var connection = await h.CreateAsync(Tenant, input);

        var before = h.Tokens.GetAsync(Tenant, connection, TimeSpan.FromSeconds(10), CancellationToken.None).AsTask();
        await Eventually.TrueAsync(() => tokens.Requests == 1, "the first refresh reaches the token endpoint");
        var renamed = (await h.Connections.UpdateAsync(Tenant, connection.Id, input with { Name = "Renamed", Secret = null }, CancellationToken.None)).Value!;
        var after = h.Tokens.GetAsync(Tenant, renamed, TimeSpan.FromSeconds(10), CancellationToken.None).AsTask();
        await Task.Delay(300);
        Assert.That(tokens.Requests, Is.EqualTo(1), "no second request with the same refresh token while the first is in flight");

        tokens.Gate.SetResult();
        var results = await Task.WhenAll(before, after);

        Assert.That(results.Select(r => r.Value), Is.EqualTo(new[] { "at-1", "at-2" }));
        Assert.That(tokens.Forms.Select(f => f["refresh_token"]!.GetValue<string>()), Is.EqualTo(new[] { "rt-1", "rt-2" }), "each refresh token is sent once");
        Assert.That(await h.Rotated.RevealAsync(Tenant, renamed, CancellationToken.None), Is.EqualTo("rt-3"));
    }
}
