using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// Real answers of the <c>/api</c> routes, checked against the schemas docs/openapi.json gives for them: every property the
/// document calls required is there, and every value has a type the document allows — so a client generated from the
/// document (the UI's types) reads what the app sends.
/// </summary>
public sealed class ResponseShapeTests : BackendFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" };

    [Test]
    public async Task Each_answer_has_the_shape_the_document_states()
    {
        var document = JsonNode.Parse(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath))!;
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var manual = new JsonObject
        {
            ["name"] = "by hand",
            ["trigger"] = new JsonObject { ["type"] = "manual" },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = "x" }),
        };
        var rule = await CreateRuleAsync(tenant, Samples.Rule(connection));
        var ruleId = rule["id"]!.GetValue<string>();
        await CreateRuleAsync(tenant, manual);
        var hook = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "deploys" }, 201);
        var grant = await Backend.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 1, ["reason"] = "ticket 1" }, 201);

        var answers = new List<(string Template, string Method, string Status, JsonNode? Body)>
        {
            ("/api/rules", "post", "201", rule),
            ("/api/webhooks", "post", "201", hook),
            ("/api/support/grants", "post", "201", grant),
        };
        foreach (var (template, url) in new[]
        {
            ("/api/me", "/api/me"), ("/api/rules", "/api/rules"), ("/api/rules/{id}", $"/api/rules/{ruleId}"),
            ("/api/rules/{id}/versions", $"/api/rules/{ruleId}/versions"), ("/api/rules/{id}/versions/{version}", $"/api/rules/{ruleId}/versions/1"),
            ("/api/rules/{id}/trace", $"/api/rules/{ruleId}/trace"), ("/api/runs", "/api/runs"), ("/api/connections", "/api/connections"),
            ("/api/connections/{id}", $"/api/connections/{connection}"), ("/api/webhooks", "/api/webhooks"), ("/api/support/grants", "/api/support/grants"),
            ("/api/support/audit", "/api/support/audit"), ("/api/schedules/next", "/api/schedules/next?cron=0+8+*+*+1-5"),
            ("/api/issues/{key}/runs", "/api/issues/OPS-1/runs?issueId=11"), ("/api/issues/{key}/manual-rules", "/api/issues/OPS-1/manual-rules"),
        })
        {
            answers.Add((template, "get", "200", await Backend.JsonAsync(HttpMethod.Get, url, tenant)));
        }

        answers.Add(("/api/rules/validate", "post", "200", await Backend.JsonAsync(HttpMethod.Post, "/api/rules/validate", tenant, Samples.Rule(connection, "other"))));
        answers.Add(("/api/rules/{id}/dry-run", "post", "200", await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{ruleId}/dry-run", tenant, new JsonObject { ["event"] = Samples.Event("OPS-1", "x") })));
        answers.Add(("/api/rules/dry-run", "post", "200", await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant,
            new JsonObject { ["rule"] = Samples.Rule(connection, "draft"), ["event"] = Samples.Event("OPS-1", "x", eventType: "avi:jira:deleted:issue") })));

        var problems = new List<string>();
        foreach (var (template, method, status, body) in answers)
        {
            var schema = document["paths"]?[template]?[method]?["responses"]?[status]?["content"]?["application/json"]?["schema"];
            Assert.That(schema, Is.Not.Null, $"{method} {template} {status}");
            Check(document, schema!, body, $"{method.ToUpperInvariant()} {template}: $", problems);
        }

        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    private static void Check(JsonNode document, JsonNode schema, JsonNode? value, string at, List<string> problems)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            Check(document, document["components"]!["schemas"]![reference.Split('/')[^1]]!, value, at, problems);
            return;
        }

        if (schema["oneOf"] is JsonArray oneOf)
        {
            if (value is null && oneOf.Any(o => o?["type"]?.ToJsonString() == "\"null\""))
            {
                return;
            }

            // The step union: the member its discriminator names.
            var candidates = oneOf.Where(o => o?["type"]?.ToJsonString() != "\"null\"").ToList();
            var mapping = schema["discriminator"]?["mapping"];
            var chosen = mapping is not null && value?["type"]?.GetValue<string>() is { } kind && mapping[kind] is { } target
                ? new JsonObject { ["$ref"] = target.GetValue<string>() }
                : candidates.Count == 1 ? candidates[0]! : null;
            if (chosen is not null)
            {
                Check(document, chosen, value, at, problems);
            }

            return;
        }

        var types = schema["type"] switch
        {
            JsonArray list => list.Select(t => t!.GetValue<string>()).ToHashSet(),
            JsonValue one => [one.GetValue<string>()],
            _ => null,
        };
        if (types is null)
        {
            return; // any JSON
        }

        var kindOf = value switch
        {
            null => "null",
            JsonObject => "object",
            JsonArray => "array",
            _ => value.GetValueKind() switch
            {
                JsonValueKind.String => "string",
                JsonValueKind.Number => value.ToJsonString().Contains('.', StringComparison.Ordinal) ? "number" : "integer",
                _ => "boolean",
            },
        };
        if (!types.Contains(kindOf) && !(kindOf == "integer" && types.Contains("number")) && !(kindOf == "number" && types.Contains("integer") && value!.GetValue<double>() % 1 == 0))
        {
            problems.Add($"{at} is {kindOf}; the document allows {string.Join(" or ", types)}");
            return;
        }

        if (value is JsonObject obj)
        {
            foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
            {
                if (!obj.ContainsKey(required))
                {
                    problems.Add($"{at}.{required} is required by the document but absent");
                }
            }

            foreach (var (name, child) in obj)
            {
                if (schema["properties"]?[name] is { } property)
                {
                    Check(document, property, child, $"{at}.{name}", problems);
                }
                else if (schema["additionalProperties"] is JsonObject additional)
                {
                    Check(document, additional, child, $"{at}.{name}", problems);
                }
            }
        }
        else if (value is JsonArray array && schema["items"] is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(document, items, array[i], $"{at}[{i}]", problems);
            }
        }
    }
}
