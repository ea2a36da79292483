using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// A rule at each documented limit saves, dry-runs and validates; one past it is a 400 (or 413 for the byte cap)
/// ProblemDetails naming the field — never a 500, at save time or in the dry run.
/// </summary>
public sealed class RuleLimitEdgeTests : BackendFixture
{
    private static JsonObject Comment(string id) => new() { ["id"] = id, ["type"] = "jira.comment", ["body"] = "x" };

    private static JsonObject Rule(JsonArray steps, string name = "limits", JsonObject? conditions = null)
    {
        var rule = new JsonObject
        {
            ["name"] = name,
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = steps,
        };
        if (conditions is not null)
        {
            rule["conditions"] = conditions;
        }

        return rule;
    }

    private static JsonArray Comments(int n, string prefix = "s") => [.. Enumerable.Range(0, n).Select(i => (JsonNode)Comment(prefix + i))];

    private static JsonObject Nested(int depth)
    {
        JsonObject inner = Comment("leaf");
        for (var i = 0; i < depth; i++)
        {
            inner = new JsonObject { ["id"] = "b" + i, ["type"] = "if", ["if"] = new JsonObject { ["field"] = "issue.key", ["op"] = "isNotEmpty" }, ["then"] = new JsonArray(inner) };
        }

        return inner;
    }

    private static JsonObject Conditions(int n) => new() { ["all"] = new JsonArray([.. Enumerable.Range(0, n).Select(_ => (JsonNode)new JsonObject { ["field"] = "issue.key", ["op"] = "isNotEmpty" })]) };

    private static JsonObject DeepConditions(int depth)
    {
        JsonObject node = new() { ["field"] = "issue.key", ["op"] = "isNotEmpty" };
        for (var i = 0; i < depth; i++)
        {
            node = new JsonObject { ["all"] = new JsonArray(node) };
        }

        return node;
    }

    private static JsonObject Http(string connection, Action<JsonObject> change)
    {
        var step = new JsonObject { ["id"] = "h", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/x" };
        change(step);
        return step;
    }

    private static JsonNode DeepBody(int depth)
    {
        JsonNode node = "v";
        for (var i = 1; i < depth; i++)
        {
            node = new JsonObject { ["k"] = node };
        }

        return node;
    }

    public static IEnumerable<TestCaseData> Limits()
    {
        yield return new TestCaseData("name", (Func<string, JsonObject>)(_ => Rule(Comments(1), new string('n', 200))), (Func<string, JsonObject>)(_ => Rule(Comments(1), new string('n', 201))), "name").SetName("name 200 / 201");
        yield return new TestCaseData("steps", (Func<string, JsonObject>)(_ => Rule(Comments(20))), (Func<string, JsonObject>)(_ => Rule(Comments(21))), "steps").SetName("steps 20 / 21");
        yield return new TestCaseData("nested", (Func<string, JsonObject>)(_ => Rule(new JsonArray(Nested(3)))), (Func<string, JsonObject>)(_ => Rule(new JsonArray(Nested(4)))), "steps[0]").SetName("blocks 3 / 4 deep");
        yield return new TestCaseData("total", (Func<string, JsonObject>)(_ => Rule(TotalSteps(50))), (Func<string, JsonObject>)(_ => Rule(TotalSteps(51))), "steps").SetName("total steps 50 / 51");
        yield return new TestCaseData("conditions", (Func<string, JsonObject>)(_ => Rule(Comments(1), conditions: Conditions(99))), (Func<string, JsonObject>)(_ => Rule(Comments(1), conditions: Conditions(100))), "conditions").SetName("conditions 100 / 101");
        yield return new TestCaseData("depth", (Func<string, JsonObject>)(_ => Rule(Comments(1), conditions: DeepConditions(8))), (Func<string, JsonObject>)(_ => Rule(Comments(1), conditions: DeepConditions(9))), "conditions").SetName("condition depth 8 / 9");
        yield return new TestCaseData("headers", (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["headers"] = Map(30))))), (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["headers"] = Map(31))))), "steps[0].headers").SetName("headers 30 / 31");
        yield return new TestCaseData("query", (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["query"] = Map(30))))), (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["query"] = Map(31))))), "steps[0].query").SetName("query 30 / 31");
        yield return new TestCaseData("body depth", (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["body"] = DeepBody(16))))), (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["body"] = DeepBody(17))))), "steps[0].body").SetName("body 16 / 17 levels");
        yield return new TestCaseData("template", (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["body"] = new JsonObject { ["v"] = Template(16_384) })))), (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["body"] = new JsonObject { ["v"] = Template(16_385) })))), "steps[0].body.v").SetName("template text 16384 / 16385 characters");
        yield return new TestCaseData("body values", (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["body"] = Values(500))))), (Func<string, JsonObject>)(c => Rule(new JsonArray(Http(c, s => s["body"] = Values(501))))), "steps[0].body").SetName("body 500 / 501 values");
    }

    private static JsonArray TotalSteps(int total)
    {
        // Top level: blocks of at most 20 steps each, plus plain steps, adding up to `total` steps counting the blocks.
        var steps = new JsonArray();
        var left = total;
        var n = 0;
        while (left > 0)
        {
            var inside = Math.Min(19, left - 1);
            if (inside <= 0)
            {
                steps.Add(Comment("t" + n++));
                left--;
                continue;
            }

            steps.Add(new JsonObject { ["id"] = "blk" + n++, ["type"] = "if", ["if"] = new JsonObject { ["field"] = "issue.key", ["op"] = "isNotEmpty" }, ["then"] = Comments(inside, "in" + n + "_") });
            left -= inside + 1;
        }

        return steps;
    }

    /// <summary>A template of exactly <paramref name="length"/> characters.</summary>
    private static string Template(int length) => "{{ issue.key }}" + new string('x', length - "{{ issue.key }}".Length);

    private static JsonObject Map(int n) => new([.. Enumerable.Range(0, n).Select(i => KeyValuePair.Create("X-H" + i, (JsonNode?)JsonValue.Create("v")))]);

    private static JsonArray Values(int n) => [.. Enumerable.Range(0, n - 1).Select(i => (JsonNode)JsonValue.Create(i))];

    [TestCaseSource(nameof(Limits))]
    public async Task At_the_limit_saves_and_dry_runs_and_one_past_is_a_400_naming_the_field(string what, Func<string, JsonObject> atLimit, Func<string, JsonObject> pastLimit, string field)
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);

        using (var ok = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, atLimit(connection)))
        {
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.Created), $"{what} at the limit: {await ok.Content.ReadAsStringAsync()}");
            var id = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
            using var dry = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{id}/dry-run", tenant, new JsonObject { ["event"] = Samples.Event("OPS-1", "s") });
            Assert.That(dry.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{what} dry run at the limit: {await dry.Content.ReadAsStringAsync()}");
            var errors = JsonNode.Parse(await dry.Content.ReadAsStringAsync())!["errors"]!.AsArray();
            Assert.That(errors.ToJsonString(), Does.Not.Contain("internal"), what);
        }

        using var refused = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, pastLimit(connection));
        var text = await refused.Content.ReadAsStringAsync();
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), $"{what} past the limit: {text}");
        var problem = await ProblemAsync(refused);
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Has.Some.StartsWith(field), text);
    }
}
