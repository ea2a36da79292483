using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A jira.comment body or a jira.edit description written as an Atlassian Document Format object whose text leaves
/// are templates. Jira refuses a text node with empty text ("text must not be empty",
/// https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/text), so a leaf reading a missing value
/// (an unassigned issue's assignee: null, as a leaf that is one expression keeps the value's type) must not be sent
/// as one, and a number there is sent as text.
/// </summary>
[TestFixture]
public sealed class AdfEmptyTextTests : BackendFixture
{
    private static JsonNode Document(string lead) => JsonNode.Parse($$$"""
        { "type": "doc", "version": 1, "content": [
          { "type": "paragraph", "content": [
            { "type": "text", "text": "{{{lead}}}" },
            { "type": "text", "text": "{{ issue.fields.assignee.displayName }}", "marks": [ { "type": "strong" } ] },
            { "type": "text", "text": " - please check." } ] },
          { "type": "paragraph", "content": [ { "type": "text", "text": "Points: " }, { "type": "text", "text": "{{ issue.fields.storyPoints }}" } ] } ] }
        """)!;

    [Test]
    public async Task Text_leaves_that_render_empty_are_left_out_of_the_document_sent_to_Jira()
    {
        var tenant = Samples.NewTenant();
        var token = Backend.Jira.SystemToken = Samples.Canary("system-token");
        await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Rich text with a missing value",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(
                new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = Document("Assignee: ") },
                new JsonObject { ["id"] = "describe", ["type"] = "jira.edit", ["fields"] = new JsonObject { ["description"] = Document("Owner: ") } }),
        }, expectedStatus: 201);

        var before = Backend.Jira.Actions.Count;
        using var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-93", "Unassigned"), systemToken: token);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var page = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(page["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), page.ToJsonString());
        var actions = Backend.Jira.Actions.Skip(before).ToList();
        var comment = JsonNode.Parse(actions.Single(a => a.Path.EndsWith("/comment", StringComparison.Ordinal)).Body)!["body"]!;
        var description = JsonNode.Parse(actions.Single(a => a.Method == "PUT").Body)!["fields"]!["description"]!;
        foreach (var (document, lead) in new[] { (comment, "Assignee: "), (description, "Owner: ") })
        {
            var texts = document["content"]![0]!["content"]!.AsArray().Select(n => n!["text"]?.ToJsonString()).ToList();
            Assert.That(texts, Is.EqualTo(new[] { $"\"{lead}\"", "\" - please check.\"" }), "no empty or null text: " + document.ToJsonString());
            var points = document["content"]![1]!["content"]!.AsArray().Select(n => n!["text"]?.ToJsonString()).ToList();
            Assert.That(points, Is.EqualTo(new[] { "\"Points: \"", "\"5\"" }), "a number is sent as text: " + document.ToJsonString());
        }
    }
}
