using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// An event may nest 64 deep, and a template that is a whole value puts an event value under a body's own levels: the
/// run sends such a body (up to 256 levels). The dry run parsed it back at 64 levels and answered 500; it now shows a
/// body too deep to nest in its answer as the JSON text that would be sent.
/// </summary>
public sealed class DeepRenderedBodyTests : BackendFixture
{
    [Test]
    public async Task The_dry_run_of_a_body_holding_a_deep_event_value_is_shown_as_its_text_not_a_500()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["steps"]![0]!["body"] = new JsonObject { ["a"] = new JsonObject { ["b"] = new JsonObject { ["c"] = new JsonObject { ["d"] = "{{ issue.fields.deep }}" } } } };
        var evt = Samples.Event("OPS-1", "Broken");
        // The root, "event", "issue" and "fields" hold the value: four levels; sixty more make the 64 a body may have.
        evt["issue"]!["fields"]!["deep"] = DeepValueTests.Nested(60);

        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = evt }.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        // Shown as the text that would be sent: the answer stays within the depth a client reads.
        var body = JsonNode.Parse(text)!["requests"]![0]!["body"]!.GetValue<string>();
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(body, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 128 })!["a"]!["b"]!["c"]!["d"], DeepValueTests.Nested(60)), Is.True, body[..Math.Min(200, body.Length)]);
    }

    [Test]
    public async Task The_dry_run_of_jira_fields_holding_a_deep_event_value_is_shown_as_text_not_a_500()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["steps"] = new JsonArray(new JsonObject
        {
            ["id"] = "edit", ["type"] = "jira.edit",
            ["fields"] = new JsonObject { ["customfield_1"] = new JsonObject { ["x"] = new JsonObject { ["y"] = "{{ issue.fields.deep }}" } } },
        });
        var evt = Samples.Event("OPS-1", "Broken");
        evt["issue"]!["fields"]!["deep"] = DeepValueTests.Nested(60);

        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = evt }.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(JsonNode.Parse(text)!["requests"]![0]!["body"]!.GetValueKind(), Is.EqualTo(System.Text.Json.JsonValueKind.String), text[..Math.Min(300, text.Length)]);
    }
}
