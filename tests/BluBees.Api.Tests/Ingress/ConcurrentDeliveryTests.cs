using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// The same event delivered on several connections at once (Forge redelivering while the first delivery is still
/// answered): exactly one is accepted, the others are "queued" or "duplicate", and the rule runs once.
/// </summary>
public sealed class ConcurrentDeliveryTests : BackendFixture
{
    [Test]
    public async Task The_same_event_delivered_at_once_on_eight_connections_runs_once()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(connection));
        var evt = Samples.Event("OPS-8181", "Delivered at once");
        var now = Backend.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var tokens = Enumerable.Range(0, 8).Select(_ => Issuer.Mint(TestIssuer.ForRoute("/forge/events", tenant, null), now: now)).ToList();
        var responses = await Task.WhenAll(tokens.Select(t => Task.Run(() => Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", t, evt.DeepClone(), withUserToken: false))));
        var statuses = new List<string?>();
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.That((int)response.StatusCode, Is.InRange(200, 299), await response.Content.ReadAsStringAsync());
                statuses.Add(JsonNode.Parse(await response.Content.ReadAsStringAsync())?["status"]?.GetValue<string>());
            }
        }

        Assert.That(statuses.Count(s => s == "accepted"), Is.EqualTo(1), string.Join(", ", statuses));
        Assert.That(statuses.Where(s => s != "accepted"), Is.All.AnyOf("queued", "duplicate"));
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received), r => r.Any(x => x.Path.EndsWith("/OPS-8181", StringComparison.Ordinal)));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(ThirdParty.Received.Count(x => x.Path.EndsWith("/OPS-8181", StringComparison.Ordinal)), Is.EqualTo(1));
    }
}
