using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// Issue 13's "done when": on a transition to Done, a rule searches the issue's open sub-tasks, comments on and
/// transitions each of them, creates a follow-up and posts a summary to an HTTP connection, all in one run, on the
/// real app against the loopback fake Jira and a loopback sink. The fake Jira answers in Jira's documented shapes:
/// the enhanced search <c>{"issues": [...], "isLast": true}</c>
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post),
/// create 201 <c>{"id","key","self"}</c> and transitions <c>{"transitions": [{"id","name"}]}</c>
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/).
/// </summary>
[TestFixture]
public sealed class ControlFlowTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _sink = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer);
        _sink = await ThirdPartyApi.StartAsync();
        _backend.Jira.RespondAction = Answer;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _sink.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private static (int Status, string Body)? Answer(JiraActionCall call) => (call.Method, call.Path) switch
    {
        ("POST", "/rest/api/3/search/jql") => (200, new JsonObject
        {
            ["issues"] = new JsonArray(Issue("10041", "OPS-41", "In Progress"), Issue("10042", "OPS-42", "Done"), Issue("10043", "OPS-43", "To Do")),
            ["isLast"] = true,
        }.ToJsonString()),
        ("POST", "/rest/api/3/issue") => (201, """{"id":"10099","key":"OPS-99","self":"https://example.atlassian.net/rest/api/3/issue/10099"}"""),
        ("GET", _) when call.Path.EndsWith("/transitions", StringComparison.Ordinal) => (200, """{"transitions":[{"id":"21","name":"In Progress"},{"id":"31","name":"Done"}]}"""),
        _ => null,
    };

    private static JsonObject Issue(string id, string key, string status)
        => new() { ["id"] = id, ["key"] = key, ["fields"] = new JsonObject { ["summary"] = "Sub-task " + key, ["status"] = new JsonObject { ["name"] = status } } };

    private static JsonObject DoneWhenRule(string connectionId) => JsonNode.Parse($$$"""
        {
          "name": "Close sub-tasks when the parent is done",
          "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "fieldChanged": { "field": "status", "to": "Done" } },
          "steps": [
            { "id": "search", "type": "jira.search", "jql": "parent = {{ issue.key }} AND statusCategory != Done", "select": ["summary", "status"] },
            { "id": "each", "type": "forEach", "items": "steps.search.issues", "steps": [
              { "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "Closed with {{ issue.key }} (#{{ index }})" },
              { "id": "close", "type": "jira.transition", "issue": "{{ item.key }}", "transition": "Done",
                "if": { "field": "item.fields.status.name", "op": "notEquals", "value": "Done" } } ] },
            { "id": "followup", "type": "jira.create", "issueType": "Task", "fields": { "summary": "Follow up on {{ issue.key }}" } },
            { "id": "report", "type": "if", "if": { "field": "steps.each.failed", "op": "equals", "value": 0 },
              "then": [ { "id": "notify", "type": "http", "connection": "{{{connectionId}}}", "method": "POST", "path": "/summaries",
                          "body": { "parent": "{{ issue.key }}", "closed": "{{ steps.each.succeeded }}", "followUp": "{{ steps.followup.key }}" } } ],
              "else": [ { "id": "alarm", "type": "http", "connection": "{{{connectionId}}}", "method": "POST", "path": "/alarms", "body": { "parent": "{{ issue.key }}", "followUp": "{{ steps.followup.key }}" } } ] }
          ]
        }
        """)!.AsObject();

    [Test]
    public async Task Done_when_one_run_searches_loops_creates_and_reports_and_records_every_branch_and_iteration()
    {
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var token = _backend.Jira.SystemToken = Samples.Canary("system-token");
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_sink.Address, secret), 201);
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, DoneWhenRule(connection["id"]!.GetValue<string>()), 201);
        var jiraBefore = _backend.Jira.Actions.Count;
        var sinkBefore = _sink.Received.Count;

        using var accepted = await SendEventAsync(tenant, Samples.Event("OPS-40", "Parent"), token);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var received = (await _sink.WaitForAsync(sinkBefore + 1)).Skip(sinkBefore).ToList();
        var run = (await RunsAsync(tenant)).Single()!;
        var jira = _backend.Jira.Actions.Skip(jiraBefore).ToList();
        Assert.That(jira.Select(a => $"{a.Method} {a.Path}"), Is.EqualTo(new[]
        {
            "POST /rest/api/3/search/jql",
            "POST /rest/api/3/issue/OPS-41/comment", "GET /rest/api/3/issue/OPS-41/transitions", "POST /rest/api/3/issue/OPS-41/transitions",
            "POST /rest/api/3/issue/OPS-42/comment",
            "POST /rest/api/3/issue/OPS-43/comment", "GET /rest/api/3/issue/OPS-43/transitions", "POST /rest/api/3/issue/OPS-43/transitions",
            "POST /rest/api/3/issue",
        }));
        Assert.That(JsonNode.Parse(jira[0].Body)!["jql"]!.GetValue<string>(), Is.EqualTo("parent = OPS-40 AND statusCategory != Done"));
        Assert.That(jira[5].Body, Does.Contain("Closed with OPS-40 (#2)"));
        Assert.That(JsonNode.Parse(jira[7].Body)!["transition"]!["id"]!.GetValue<string>(), Is.EqualTo("31"));
        Assert.That(JsonNode.Parse(jira[8].Body)!["fields"]!["summary"]!.GetValue<string>(), Is.EqualTo("Follow up on OPS-40"));
        Assert.That(jira.All(a => a.Authorization == "Bearer " + token), Is.True);
        Assert.That(jira.Where(a => a.Method != "GET").All(a => a.Trace == jira[0].Trace && a.Trace!.StartsWith("blubees.", StringComparison.Ordinal)), Is.True, "one trace per run, nested writes included");

        Assert.That(received.Select(r => $"{r.Method} {r.Path}"), Is.EqualTo(new[] { "POST /api/v2/summaries" }));
        Assert.That(received[0].Headers["Authorization"], Is.EqualTo("Bearer " + secret));
        Assert.That(JsonNode.Parse(received[0].Body)!.ToJsonString(), Is.EqualTo("""{"parent":"OPS-40","closed":3,"followUp":"OPS-99"}"""));

        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        var steps = run["steps"]!.AsArray();
        Assert.That(steps.Select(s => $"{s!["id"]} {s["type"]} {s["status"]}"), Is.EqualTo(new[]
        {
            "search jira.search succeeded", "each forEach succeeded", "followup jira.create succeeded", "report if succeeded",
        }));
        var loop = steps[1]!["loop"]!;
        Assert.That((loop["items"]!.GetValue<int>(), loop["succeeded"]!.GetValue<int>(), loop["cut"]!.GetValue<int>()), Is.EqualTo((3, 3, 0)));
        Assert.That(loop["iterations"]!.AsArray().Select(i => $"{i!["index"]} {i["status"]}: " + string.Join(", ", i["steps"]!.AsArray().Select(s => $"{s!["id"]} {s["status"]}{(s["skippedBy"] is { } by ? " by " + by : "")}"))),
            Is.EqualTo(new[]
            {
                "0 succeeded: note succeeded, close succeeded",
                "1 succeeded: note succeeded, close skipped by if",
                "2 succeeded: note succeeded, close succeeded",
            }));
        Assert.That(loop["iterations"]![0]!["durationMs"], Is.Not.Null);
        Assert.That(steps[3]!["branch"]!.GetValue<string>(), Is.EqualTo("then"));
        Assert.That(steps[3]!["steps"]!.AsArray().Select(s => $"{s!["id"]} {s["status"]} {s["statusCode"]}"), Is.EqualTo(new[] { "notify succeeded 200" }));

        var runJson = run.ToJsonString();
        foreach (var value in new[] { token, secret, "Sub-task OPS-41", "Closed with" })
        {
            Assert.That(runJson, Does.Not.Contain(value), "run records hold metadata only, never an item's value");
        }
    }

    [Test]
    public async Task A_dry_run_of_the_same_rule_shows_every_request_with_secrets_masked_and_sends_nothing()
    {
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_sink.Address, secret), 201);
        var jiraBefore = _backend.Jira.Actions.Count;
        var sinkBefore = _sink.Received.Count;

        var result = await _backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant,
            new JsonObject { ["rule"] = DoneWhenRule(connection["id"]!.GetValue<string>()), ["event"] = Samples.Event("OPS-40", "Parent") });

        var jiraBase = _backend.Jira.Address.ToString().TrimEnd('/');
        var requests = result["requests"]!.AsArray();
        Assert.That(requests.Select(r => $"{r!["path"]} {r["method"]} {r["url"]}"), Is.EqualTo(new[]
        {
            $"steps[0] POST {jiraBase}/rest/api/3/search/jql",
            $"steps[1].steps[0] POST {jiraBase}/rest/api/3/issue/DRYRUN-1/comment",
            $"steps[1].steps[1] POST {jiraBase}/rest/api/3/issue/DRYRUN-1/transitions",
            $"steps[2] POST {jiraBase}/rest/api/3/issue",
            // The loop's counts come from iterations a dry run does not execute: the branch shown is flagged as read from placeholders.
            $"steps[3].else[0] POST {_sink.Address.ToString().TrimEnd('/')}/api/v2/alarms",
        }));
        Assert.That(requests[0]!["body"]!["jql"]!.GetValue<string>(), Is.EqualTo("parent = OPS-40 AND statusCategory != Done"));
        Assert.That(requests[1]!["index"]!.GetValue<int>(), Is.Zero);
        Assert.That(requests.Select(r => r!["headers"]!["Authorization"]!.GetValue<string>()),
            Is.EqualTo(new[] { "Bearer ••••••", "Bearer ••••••", "Bearer ••••••", "Bearer ••••••", "••••••" }), "the system token and the connection's secret are masked");
        Assert.That(requests[4]!["body"]!["followUp"]!.GetValue<string>(), Is.EqualTo("(created when the rule runs)"), "a value from a step the dry run does not execute says so");
        var flow = result["flow"]!.AsArray();
        Assert.That(flow.Select(f => $"{f!["path"]} {f["status"]}{(f["branch"] is { } b ? " " + b : "")}{(f["readsDryRunOutput"] is { } p ? " placeholder:" + p : "")}"), Is.EqualTo(new[]
        {
            "steps[0] previewed", "steps[1] evaluated placeholder:true", "steps[1].steps[0] previewed", "steps[1].steps[1] previewed",
            "steps[2] previewed", "steps[3] evaluated else placeholder:true", "steps[3].else[0] previewed",
        }));
        Assert.That(result["errors"]!.AsArray(), Is.Empty);
        Assert.That(result.ToJsonString(), Does.Not.Contain(secret));
        await Task.Delay(200);
        Assert.That(_backend.Jira.Actions, Has.Count.EqualTo(jiraBefore), "a dry run sends nothing to Jira");
        Assert.That(_sink.Received, Has.Count.EqualTo(sinkBefore), "nor to the connection");
    }

    [Test]
    public async Task A_nested_mistake_is_a_problem_naming_its_path()
    {
        var tenant = Samples.NewTenant();
        var rule = new JsonObject
        {
            ["name"] = "Broken loop",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = JsonNode.Parse("""
                [ { "id": "a", "type": "jira.fetch" },
                  { "id": "b", "type": "jira.fetch" },
                  { "id": "each", "type": "forEach", "items": "issue.fields.subtasks", "limit": 5000, "steps": [
                    { "id": "c", "type": "jira.comment", "body": "x", "if": { "field": "", "op": "equals", "value": 1 } } ] } ]
                """),
        };

        using var response = await _backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(400), "an RFC 7807 problem");
        var errors = problem["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[] { "steps[2].limit", "steps[2].steps[0].if.field" }));
    }

    [Test]
    public async Task The_loop_guard_counts_a_Jira_write_that_only_happens_inside_a_loop()
    {
        var tenant = Samples.NewTenant();
        var token = _backend.Jira.SystemToken = Samples.Canary("system-token");
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, JsonNode.Parse("""
            {
              "name": "Comment on each sub-task",
              "trigger": { "type": "event", "events": ["avi:jira:updated:issue"] },
              "steps": [ { "id": "each", "type": "forEach", "items": "issue.fields.subtasks", "steps": [
                { "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "x", "if": { "field": "index", "op": "lessThan", "value": 5 } } ] } ]
            }
            """), 201);
        var evt = Samples.Event("OPS-50", "Parent");
        evt["issue"]!["fields"]!["subtasks"] = new JsonArray(new JsonObject { ["id"] = "10051", ["key"] = "OPS-51" });
        var before = _backend.Jira.Actions.Count;

        using var first = await SendEventAsync(tenant, (JsonObject)evt.DeepClone(), token);
        var trace = (await Waits.UntilAsync(() => Task.FromResult(_backend.Jira.Actions.Skip(before).ToList()), a => a.Count > 0)).Single().Trace!;
        // Jira hands the write's X-Atlassian-Webhook-Trace back in the event body (events-reference/jira).
        evt["webhookTraceValue"] = trace;
        using var echo = await SendEventAsync(tenant, evt, token);

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2);
        Assert.That(runs["items"]!.AsArray().Select(r => $"{r!["status"]} {r["errorCategory"]}"), Is.EquivalentTo(new[] { "succeeded ", "skipped loop_stopped" }));
        Assert.That(_backend.Jira.Actions.Skip(before).Count(), Is.EqualTo(1), "the echo ran nothing");
    }

    private async Task<HttpResponseMessage> SendEventAsync(string tenant, JsonObject evt, string systemToken)
    {
        evt["timestamp"] = DateTimeOffset.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", systemToken);
        return await _backend.Client.SendAsync(request);
    }

    private async Task<JsonArray> RunsAsync(string tenant)
    {
        var page = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        return page["items"]!.AsArray();
    }
}
