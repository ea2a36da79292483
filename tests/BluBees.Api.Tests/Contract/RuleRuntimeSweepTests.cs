using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// Rules that save but do odd things at run time — templates whose filters get arguments of the wrong type, steps
/// reading steps that do not exist (or themselves), conditions whose operands do not fit the data, loops over things
/// that are not lists — dry-run with a 200 and run to a recorded end: a step fails with its own category
/// (<c>template_error</c>, <c>condition_error</c>, <c>items_missing</c>, …), never <c>internal_error</c>, and the
/// dry run never answers a 500.
/// </summary>
public sealed class RuleRuntimeSweepTests : BackendFixture
{
    private static readonly string[] Templates =
    [
        "{{ issue.fields.summary | plus: 'x' }}", "{{ issue.fields.storyPoints | truncate: 'abc' }}", "{{ issue.fields.summary | date: 5 }}",
        "{{ 'x' | divided_by: 0 }}", "{{ issue.fields.storyPoints | divided_by: 0 }}", "{{ 10 | modulo: 0 }}", "{{ now | plus_days: 'x' }}",
        "{{ now | plus_days: 99999999999 }}", "{{ now | minus_years: 99999 }}", "{{ issue.fields.summary | slice: -99999999999 }}",
        "{{ issue.fields.summary | truncate: -5 }}", "{{ 9223372036854775807 | plus: 1 }}", "{{ -9223372036854775808 | abs }}",
        "{{ 79228162514264337593543950335 | times: 10 }}", "{{ issue.fields.storyPoints | round: 1000 }}", "{{ 2.5 | round: -1 }}", "{{ issue.fields.summary | split: '' | join: 5 }}",
        "{{ issue.fields | map: 'x' | first }}", "{{ issue.fields.summary | replace: nil, nil }}", "{{ now | format: '' }}",
        "{{ now | format: \"'x\" }}", "{{ now | convert_to_time_zone: 'Mars/X' }}", "{{ now | set_time_zone: 'localtime' }}",
        "{{ issue.fields.summary | substring: 5, 2 }}", "{{ issue.fields.summary | char_at: -1 }}", "{{ issue.fields.summary | left: -3 }}",
        "{{ issue.fields.summary | right: 99999999999 }}", "{{ issue.fields.summary | to_date: 'yyyy' }}", "{{ issue.fields.summary | diff: now }}",
        "{{ now | diff: 'x' }}", "{{ issue.fields.summary | is_after: 5 }}", "{{ issue.fields.labels | sum }}", "{{ issue.fields | average }}",
        "{{ issue.fields.summary | index_of: nil }}", "{{ nil | size }}", "{{ issue.fields.summary | base64_decode }}", "{{ '%ZZ' | url_decode }}",
        "{{ issue.fields | sort: 'x' }}", "{{ issue.fields.labels | where: 5, 6 }}", "{{ issue.fields.labels | uniq: 'x' }}",
        "{{ steps.missing.body.x }}", "{{ steps.self.body.x }}", "{{ steps['x-y'].body[0] }}", "{{ issue.fields.labels[99999999999] }}",
        "{{ issue.fields.labels[-99999999999] }}", "{{ issue.created.diff(now).days }}", "{{ now.plusDays(3).format(\"yyyy-MM-dd\") }}",
        "{% for i in (1..99999999999) %}x{% endfor %}", "{% for i in (-5..-9) %}x{% endfor %}", "{% assign a = issue.fields %}{{ a.b.c.d }}",
        "{% case issue.fields %}{% when 5 %}x{% endcase %}", "{% if issue.fields > 5 %}x{% endif %}", "{% if issue.fields.summary contains 5 %}x{% endif %}",
        "{{ issue.fields.storyPoints | at_most: 'x' }}", "{{ issue.fields.storyPoints | at_least: nil }}", "{{ '' | first }}", "{{ issue.fields | last }}",
    ];

    private static readonly JsonObject[] Conditions =
    [
        Condition("issue.fields.summary", "greaterThan", 3), Condition("issue.fields.storyPoints", "greaterThan", "2026-01-01"),
        Condition("issue.fields", "lessThan", 100), Condition("issue.fields.priority", "matches", "^x"), Condition("issue.fields.storyPoints", "contains", "a"),
        Condition("issue.fields.summary", "startsWith", new JsonObject { ["a"] = 1 }), Condition("issue.fields.summary", "in", new JsonArray(new JsonObject { ["a"] = 1 }, 5)),
        Condition("issue.fields.priority", "equals", new JsonObject { ["a"] = 1 }), Condition("steps.nothing.body", "isEmpty", null),
        Condition("steps[\"x-y\"].body[0]", "notEquals", true), Condition("issue.fields.labels", "contains", new JsonArray("a")),
        Condition("issue.fields.summary", "matches", 5), Condition("issue.fields.storyPoints", "lessThan", -79228162514264337593543950335m),
        new JsonObject { ["field"] = "nosuchfield", ["op"] = "changed", ["from"] = "a", ["to"] = "b" },
    ];

    private static JsonObject Condition(string field, string op, JsonNode? value)
    {
        var condition = new JsonObject { ["field"] = field, ["op"] = op };
        if (value is not null)
        {
            condition["value"] = value;
        }

        return condition;
    }

    public static IEnumerable<TestCaseData> Rules()
    {
        foreach (var (chunk, index) in Templates.Chunk(18).Select((c, i) => (c, i)))
        {
            yield return new TestCaseData("templates " + index, (Func<string, JsonArray>)(connection =>
                [.. chunk.Select((t, i) => (JsonNode)Http(connection, i == 0 ? "self" : "t" + i, new JsonObject { ["v"] = t, ["text"] = "x " + t }))]))
                .SetName($"templates {index}");
        }

        yield return new TestCaseData("conditions", (Func<string, JsonArray>)(connection =>
            [.. Conditions.Select((c, i) => { var step = Http(connection, "c" + i, new JsonObject { ["v"] = "1" }); step["if"] = c.DeepClone(); return (JsonNode)step; })]))
            .SetName("conditions with operands that do not fit the data");

        yield return new TestCaseData("loops", (Func<string, JsonArray>)(connection =>
        [
            Loop("missing", "steps.missing.issues", connection), Loop("text", "issue.fields.summary", connection), Loop("object", "issue.fields", connection),
            Loop("labels", "issue.fields.labels", connection), Loop("selfloop", "steps.selfloop.issues", connection), Http(connection, "after", new JsonObject { ["v"] = "{{ steps.labels.count }}" }),
        ])).SetName("loops over things that are not lists");
    }

    private static JsonObject Http(string connection, string id, JsonNode body)
        => new() { ["id"] = id, ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/sweep/" + id, ["body"] = body, ["onError"] = "continue" };

    private static JsonObject Loop(string id, string items, string connection)
        => new()
        {
            ["id"] = id, ["type"] = "forEach", ["items"] = items, ["onError"] = "continue",
            ["steps"] = new JsonArray(Http(connection, id + "_in", new JsonObject { ["k"] = "{{ item.key }}", ["i"] = "{{ index | plus: item }}" })),
        };

    [TestCaseSource(nameof(Rules))]
    public async Task A_rule_that_saved_dry_runs_and_runs_without_an_internal_error(string name, Func<string, JsonArray> steps)
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var rule = new JsonObject
        {
            ["name"] = name,
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = steps(connection),
        };
        var evt = Samples.Event("OPS-9", "Broken build");
        evt["issue"]!["fields"]!["labels"] = new JsonArray("a", "b");
        evt["issue"]!["fields"]!["created"] = "2026-11-01T10:00:00.000+0000";

        using (var saved = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule))
        {
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Created), await saved.Content.ReadAsStringAsync());
        }

        using (var dry = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule.DeepClone(), ["event"] = evt.DeepClone() }))
        {
            var text = await dry.Content.ReadAsStringAsync();
            Assert.That(dry.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
            Assert.That(text, Does.Not.Contain("internal"), text);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events") { Content = System.Net.Http.Json.JsonContent.Create(evt) })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Issuer.MintFor("/forge/events", tenant));
            using var accepted = await Backend.Client.SendAsync(request);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0, TimeSpan.FromSeconds(60));
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That(run.ToJsonString(), Does.Not.Contain(RunCategory.Internal).And.Not.Contain(RunCategory.RuleInvalid), run.ToJsonString());
        Assert.That(run["status"]!.GetValue<string>(), Is.AnyOf("succeeded", "partial", "failed"), run.ToJsonString());
    }

    private static class RunCategory
    {
        public const string Internal = "internal_error";
        public const string RuleInvalid = "rule_invalid";
    }
}
