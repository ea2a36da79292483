using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A rule copied from Jira Automation runs end to end: a custom field by its display name (the field list comes from
/// the fake Jira once per tenant, with the system token), the changelog and the initiator, into a real Jira comment.
/// </summary>
[TestFixture]
public sealed class SmartValueRunTests : BackendFixture
{
    [Test]
    public async Task A_copied_rule_reads_a_field_by_display_name_and_the_field_list_is_fetched_once()
    {
        var tenant = Samples.NewTenant();
        var token = Backend.Jira.SystemToken = Samples.Canary("system-token");
        Backend.Jira.Respond = call => call.Path == "/rest/api/3/field"
            ? (200, """[{"id":"summary","name":"Summary"},{"id":"customfield_10016","name":"Story Points","custom":true}]""")
            : null;
        try
        {
            await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
            {
                ["name"] = "Copied from Jira Automation",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
                ["steps"] = new JsonArray(new JsonObject
                {
                    ["id"] = "note",
                    ["type"] = "jira.comment",
                    ["body"] = "{{issue.key}} has {{issue.Story Points}} points, moved from {{changelog.status.fromString}} by {{initiator.accountId}}",
                }),
            }, expectedStatus: 201);

            var before = Backend.Jira.Actions.Count;
            using (var first = await SendAsync(tenant, "OPS-81", token))
            using (var second = await SendAsync(tenant, "OPS-82", token))
            {
                Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
                Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            var page = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2);
            Assert.That(page["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.All.EqualTo("succeeded"));
            var comments = Backend.Jira.Actions.Skip(before).Select(a => a.Body).ToList();
            Assert.That(comments, Has.Some.Contains("OPS-81 has 8 points, moved from In Progress by 5b10ac8d82e05b22cc7d4ef5"));
            Assert.That(comments, Has.Some.Contains("OPS-82 has 8 points"));
            Assert.That(Backend.Jira.Calls.Count(c => c.Path == "/rest/api/3/field"), Is.EqualTo(1), "cached per tenant");
        }
        finally
        {
            Backend.Jira.Respond = null;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string tenant, string issueKey, string systemToken)
    {
        var evt = Samples.Event(issueKey, "Smart");
        evt["issue"]!["fields"]!["customfield_10016"] = 8;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", systemToken);
        return await Backend.Client.SendAsync(request);
    }
}
