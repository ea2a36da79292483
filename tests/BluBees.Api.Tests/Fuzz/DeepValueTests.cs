using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// A body may nest 64 deep; the records and answers built around an accepted value (a rule's stored version, the rule
/// as the API shows it) add levels. A free-form value is capped well inside that, so all of them stay readable.
/// </summary>
public sealed class DeepValueTests : BackendFixture
{
    /// <summary>Nested arrays and objects, <paramref name="levels"/> containers around a 1.</summary>
    internal static JsonNode Nested(int levels)
    {
        JsonNode deep = JsonValue.Create(1)!;
        for (var i = 0; i < levels; i++)
        {
            deep = i % 2 == 0 ? new JsonArray(deep) : new JsonObject { ["a"] = deep };
        }

        return deep;
    }

    [TestCase("/api/rules")]
    [TestCase("/api/rules/validate")]
    public async Task A_condition_value_nested_to_the_deepest_a_body_may_have_is_a_400_naming_it(string route)
    {
        // Accepted before (the body is within 64 levels), then the rule's version record, one level deeper, could not be
        // written: a 500 and the rule not saved.
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        // The root, "conditions", "all" and its item are four levels: sixty more make the 64 a body may have.
        rule["conditions"]!["all"]![0]!["value"] = Nested(60);

        using var response = await Backend.SendAsync(HttpMethod.Post, route, tenant, rule.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That((await ProblemAsync(response))["errors"]!["conditions.all[0].value"]![0]!.GetValue<string>(), Does.Contain("16 levels"), text);
    }

    [Test]
    public async Task A_condition_value_nested_sixteen_levels_is_saved_and_reads_back()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["conditions"]!["all"]![0]!["value"] = Nested(16);

        var id = (await CreateRuleAsync(tenant, rule))["id"]!.GetValue<string>();
        foreach (var path in new[] { $"/api/rules/{id}/versions/1", $"/api/rules/{id}/versions", "/api/rules" })
        {
            using var read = await Backend.SendAsync(HttpMethod.Get, path, tenant);
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {await read.Content.ReadAsStringAsync()}");
        }

        var shown = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant);
        Assert.That(JsonNode.DeepEquals(shown["definition"]!["conditions"]!["all"]![0]!["value"], Nested(16)), Is.True, "the value is kept as sent");
    }

    [TestCase("/api/rules")]
    [TestCase("/api/rules/validate")]
    public async Task An_ai_schema_enum_value_nested_to_the_deepest_a_body_may_have_is_a_400_naming_it(string route)
    {
        // As a condition's value: the enum's values had no cap, and the rule's version record could not be written (500).
        var tenant = Samples.NewTenant();
        var ai = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, new JsonObject
        {
            ["name"] = "OpenAI", ["baseUrl"] = new Uri(ThirdParty.Address, "/v1").ToString(),
            ["auth"] = new JsonObject { ["type"] = "bearer" }, ["secret"] = "k", ["provider"] = "openai",
        }, 201))["id"]!.GetValue<string>();
        // root, steps, [0], schema, properties, priority and enum hold the value: seven levels; fifty-seven more make 64.
        var rule = new JsonObject
        {
            ["name"] = "deep enum",
            ["trigger"] = new JsonObject { ["type"] = "manual" },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "ask", ["type"] = "ai.chat", ["connection"] = ai, ["model"] = "gpt-4o-mini", ["prompt"] = "Triage",
                ["schema"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["priority"] = new JsonObject { ["enum"] = new JsonArray(Nested(57), "Low") } },
                },
            }),
        };

        using var response = await Backend.SendAsync(HttpMethod.Post, route, tenant, rule.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That((await ProblemAsync(response))["errors"]!["steps[0].schema.properties.priority.enum[0]"]![0]!.GetValue<string>(), Does.Contain("8 levels"), text);
    }
}
