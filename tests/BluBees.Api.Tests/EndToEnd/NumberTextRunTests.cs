using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// Event numbers that a double would change (digits beyond 64 bits, beyond a double's range, trailing zeros) reach
/// a rendered Jira comment as they were sent, through ingestion, the queue and the run scope.
/// </summary>
[TestFixture]
public sealed class NumberTextRunTests : BackendFixture
{
    [Test]
    public async Task A_comment_renders_event_numbers_with_their_original_text()
    {
        var tenant = Samples.NewTenant();
        var token = Backend.Jira.SystemToken = Samples.Canary("system-token");
        await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Numbers",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "note",
                ["type"] = "jira.comment",
                ["body"] = "ref={{ issue.fields.customfield_1 }} price={{ issue.fields.customfield_2 }} far={{ issue.fields.customfield_3 }}"
                    + "{% if issue.fields.customfield_1 > 123456789012345678901234567889 %} bigger{% endif %}",
            }),
        }, expectedStatus: 201);

        var before = Backend.Jira.Actions.Count;
        var evt = Samples.Event("OPS-91", "Numbers");
        var fields = evt["issue"]!["fields"]!;
        fields["customfield_1"] = JsonNode.Parse("123456789012345678901234567890");
        fields["customfield_2"] = JsonNode.Parse("1.10");
        fields["customfield_3"] = JsonNode.Parse("1e400");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", token);
        using var response = await Backend.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var page = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(page["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        var comments = Backend.Jira.Actions.Skip(before).Select(a => a.Body).ToList();
        Assert.That(comments, Has.Some.Contains("ref=123456789012345678901234567890 price=1.10 far=1e400 bigger"));
    }
}
