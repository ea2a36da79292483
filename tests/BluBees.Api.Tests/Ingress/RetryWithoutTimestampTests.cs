using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// Atlassian's Jira event reference lists no <c>timestamp</c> among some events' payload fields
/// (https://developer.atlassian.com/platform/forge/events-reference/jira/: eventType, issue, atlassianId,
/// associatedUsers), and Forge adds <c>retryContext</c> to a redelivery
/// (https://developer.atlassian.com/platform/forge/events-reference/product_events/ "Retry product events").
/// A redelivery of such an event is the same event: it must run once.
/// </summary>
public sealed class RetryWithoutTimestampTests : BackendFixture
{
    [Test]
    public async Task A_redelivery_with_retryContext_of_an_event_without_a_timestamp_runs_once()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(connection));
        var evt = Samples.Event("OPS-4711", "No timestamp");
        evt.Remove("timestamp");

        var statuses = new List<string?>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var delivery = (JsonObject)evt.DeepClone();
            if (attempt > 0)
            {
                delivery["retryContext"] = new JsonObject { ["retryCount"] = attempt, ["retryReason"] = "TIMEOUT", ["retryData"] = null };
            }

            using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, delivery);
            statuses.Add(JsonNode.Parse(await response.Content.ReadAsStringAsync())?["status"]?.GetValue<string>());
        }

        Assert.That(statuses[0], Is.EqualTo("accepted"));
        Assert.That(statuses.Skip(1), Is.All.AnyOf("queued", "duplicate"), "a redelivery is the same event");
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received), r => r.Any(x => x.Path.EndsWith("/OPS-4711", StringComparison.Ordinal)));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray(), Has.Count.EqualTo(1));
    }
}
