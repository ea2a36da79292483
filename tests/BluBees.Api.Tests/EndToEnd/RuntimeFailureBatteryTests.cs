using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// Rules that are valid at save but whose templates render event data into every place a step uses one (an HTTP path,
/// query, header and body; a Jira issue, transition, assignee, link, edit, create, search and fetch; a transfer's two
/// sides), run on events whose summary is hostile (empty, NUL, 20 000 characters, a URL, CR/LF, a template, a lone
/// number). Each run must end recorded (never left queued or running) with a known status, every run and step error
/// must come from the closed vocabulary (<see cref="ErrorCategories"/>), and nothing may reach the error log.
/// </summary>
public sealed class RuntimeFailureBatteryTests : BackendFixture
{
    private const string Summary = "{{ issue.fields.summary }}";

    /// <summary>13 events × 15 rules: one page of runs (at most 200).</summary>
    private static readonly string[] HostileSummaries =
    [
        "", " ", "\u0000", new string('x', 20_000), "http://127.0.0.1:1/x", "a\r\nX-Injected: 1", "{{ issue.key }}", "../../admin",
        "-1", "1e400", "%00%2F", "OPS-1 OR 1=1", "\u202Eevil",
    ];

    private static JsonObject[] Steps(string connection) =>
    [
        new() { ["id"] = "s", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/x/" + Summary },
        new() { ["id"] = "s", ["type"] = "http", ["connection"] = connection, ["method"] = "GET", ["path"] = "/x", ["query"] = new JsonObject { ["q"] = Summary } },
        new() { ["id"] = "s", ["type"] = "http", ["connection"] = connection, ["method"] = "GET", ["path"] = "/x", ["headers"] = new JsonObject { ["X-S"] = Summary } },
        new() { ["id"] = "s", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/x", ["body"] = new JsonObject { ["s"] = Summary, ["n"] = "{{ issue.fields.summary | size }}" } },
        new() { ["id"] = "s", ["type"] = "jira.comment", ["body"] = Summary },
        new() { ["id"] = "s", ["type"] = "jira.comment", ["issue"] = Summary, ["body"] = "x" },
        new() { ["id"] = "s", ["type"] = "jira.transition", ["transition"] = Summary },
        new() { ["id"] = "s", ["type"] = "jira.transition", ["transitionId"] = Summary },
        new() { ["id"] = "s", ["type"] = "jira.assign", ["assignee"] = Summary },
        new() { ["id"] = "s", ["type"] = "jira.link", ["linkType"] = "Blocks", ["outwardIssue"] = Summary },
        new() { ["id"] = "s", ["type"] = "jira.edit", ["fields"] = new JsonObject { ["labels"] = Summary, ["priority"] = Summary, ["summary"] = Summary, ["customfield_10016"] = Summary } },
        new() { ["id"] = "s", ["type"] = "jira.create", ["issueType"] = Summary, ["project"] = Summary, ["parent"] = Summary, ["fields"] = new JsonObject { ["summary"] = Summary } },
        new() { ["id"] = "s", ["type"] = "jira.search", ["jql"] = "summary ~ \"" + Summary + "\"" },
        new() { ["id"] = "s", ["type"] = "jira.fetch", ["issue"] = Summary },
        new()
        {
            ["id"] = "s", ["type"] = "transfer",
            ["source"] = new JsonObject { ["connection"] = connection, ["method"] = "GET", ["path"] = "/from/" + Summary },
            ["destination"] = new JsonObject { ["connection"] = connection, ["method"] = "PUT", ["path"] = "/to/" + Summary, ["headers"] = new JsonObject { ["X-S"] = Summary } },
        },
    ];

    private static readonly HashSet<string> Vocabulary = typeof(ErrorCategories).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal);

    [Test]
    public async Task Every_step_kind_fed_hostile_event_data_ends_in_a_recorded_run_with_a_closed_vocabulary_error()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var steps = Steps(connection);
        for (var i = 0; i < steps.Length; i++)
        {
            var rule = new JsonObject
            {
                ["name"] = $"runtime {i} {steps[i]["type"]}",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
                ["steps"] = new JsonArray(steps[i]),
            };
            using var saved = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Created), $"rule {i} ({steps[i]["type"]}): {await saved.Content.ReadAsStringAsync()}");
        }

        var logged = Backend.Logs.Lines.Count;
        var systemToken = Backend.Jira.SystemToken = Samples.Canary("system-token");
        for (var e = 0; e < HostileSummaries.Length; e++)
        {
            var evt = Samples.Event($"OPS-{900 + e}", HostileSummaries[e], timestamp: (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + e).ToString(System.Globalization.CultureInfo.InvariantCulture));
            evt["changelog"]!["id"] = (5000 + e).ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt, systemToken: systemToken);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), $"event {e}: {await accepted.Content.ReadAsStringAsync()}");
        }

        var expected = steps.Length * HostileSummaries.Length;
        var runs = await Waits.UntilAsync(
            () => Backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=200", tenant),
            r => r["items"]!.AsArray().Count >= expected && r["items"]!.AsArray().All(x => x!["status"]!.GetValue<string>() is not ("queued" or "running")),
            TimeSpan.FromMinutes(3));

        var failures = new List<string>();
        foreach (var run in runs["items"]!.AsArray())
        {
            var label = $"{run!["ruleId"]} on {run["issueKey"]}";
            if (run["status"]!.GetValue<string>() is not ("succeeded" or "failed" or "partial" or "skipped"))
            {
                failures.Add($"{label}: status {run["status"]}");
            }

            foreach (var category in new[] { run["errorCategory"] }.Concat(run["steps"]?.AsArray().Select(s => s!["errorCategory"]) ?? []))
            {
                if (category is not null && !Vocabulary.Contains(category.GetValue<string>()))
                {
                    failures.Add($"{label}: error category {category}");
                }
            }
        }

        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(expected), "one recorded run per rule and event");
        var outcomes = runs["items"]!.AsArray().GroupBy(r => $"{r!["status"]} {r["errorCategory"]}").ToDictionary(g => g.Key, g => g.Count());
        TestContext.Out.WriteLine(string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}: {o.Value}")));
        Assert.That(outcomes.Keys, Has.Some.StartsWith("failed "), "the hostile values did reach the steps");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(40)));
        var errors = Backend.Logs.Lines.Skip(logged).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, string.Join("\n", errors.Take(10).Select(l => l.Length > 300 ? l[..300] : l)));
    }
}
