using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A rule that comments whenever an issue is commented on would feed itself forever: each of its comments is a new
/// event. Here the fake Jira closes the loop (every accepted write fires the next event at the backend), and the
/// loop guard must end it on its own — by the echoed trace when Jira carries it, by the run counter when not.
/// </summary>
[TestFixture]
public sealed class JiraLoopTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>
        {
            ["Jira:LoopMaxRuns"] = "3",
            ["Jira:LoopWindowSeconds"] = "600",
            ["Jira:LoopMaxChain"] = "4",
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [TearDown]
    public void TearDown() => _backend.Jira.OnWrite = null;

    [Test]
    public async Task An_event_echoing_the_rules_own_trace_is_skipped_as_loop_stopped()
    {
        var tenant = Samples.NewTenant();
        var token = _backend.Jira.SystemToken = Samples.Canary("system-token");
        await CreateCommentingRuleAsync(tenant);
        var before = _backend.Jira.Actions.Count;
        _backend.Jira.OnWrite = write => SendCommentEventAsync(tenant, "OPS-31", token, trace: write.Trace);

        using var first = await SendCommentEventAsync(tenant, "OPS-31", token, trace: null);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var runs = await RunsAsync(tenant, r => r.Count >= 2);
        await Task.Delay(500); // a loop that was not stopped would show more runs and writes now
        runs = await RunsAsync(tenant, _ => true);
        Assert.That(runs.Select(r => $"{r!["status"]} {r["errorCategory"]}"), Is.EquivalentTo(new[] { "succeeded ", "skipped loop_stopped" }));
        var writes = _backend.Jira.Actions.Skip(before).ToList();
        Assert.That(writes, Has.Count.EqualTo(1));
        Assert.That(writes[0].Trace, Does.StartWith("blubees."));
        Assert.That(writes[0].Authorization, Is.EqualTo("Bearer " + token));
    }

    [Test]
    public async Task Without_a_trace_the_run_counter_stops_the_loop_and_the_token_is_kept_nowhere()
    {
        var tenant = Samples.NewTenant();
        var token = _backend.Jira.SystemToken = Samples.Canary("system-token");
        var payload = Samples.Canary("comment");
        await CreateCommentingRuleAsync(tenant);
        var before = _backend.Jira.Actions.Count;
        _backend.Jira.OnWrite = _ => SendCommentEventAsync(tenant, "OPS-32", token, trace: null, text: payload);

        using var first = await SendCommentEventAsync(tenant, "OPS-32", token, trace: null, text: payload);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var runs = await RunsAsync(tenant, r => r.Any(x => x!["errorCategory"]?.GetValue<string>() == "loop_stopped"));
        await Task.Delay(500);
        runs = await RunsAsync(tenant, _ => true);
        Assert.That(runs.Count(r => r!["status"]!.GetValue<string>() == "succeeded"), Is.EqualTo(3), "Jira:LoopMaxRuns");
        Assert.That(runs.Count(r => r!["errorCategory"]?.GetValue<string>() == "loop_stopped" && r["status"]!.GetValue<string>() == "failed"), Is.EqualTo(1));
        Assert.That(runs, Has.Count.EqualTo(4), "nothing ran after the stop");
        Assert.That(_backend.Jira.Actions.Skip(before).Count(), Is.EqualTo(3));
        Assert.That(_backend.Jira.Actions.Skip(before).All(a => a.Body.Contains(payload, StringComparison.Ordinal)), Is.True, "the comment carried the payload to Jira");

        var store = string.Join('\n', await _backend.DumpStoreAsync());
        var files = _backend.DumpDataDirectory();
        var logs = _backend.Logs.AllText;
        var api = runs.ToJsonString();
        Assert.That(store, Does.Contain("LOOP#"), "the dump sees the loop counter");
        foreach (var canary in new[] { token, payload })
        {
            Assert.That(store, Does.Not.Contain(canary), "stored items");
            Assert.That(files, Does.Not.Contain(canary), "raw bytes of the data directory");
            Assert.That(logs, Does.Not.Contain(canary), "log lines");
            Assert.That(api, Does.Not.Contain(canary), "the runs API");
        }
    }

    /// <summary>
    /// Two rules that each answer a comment feed each other, and here every answer lands on a new issue (as a rule that
    /// creates an issue would): neither event is a rule's own echo, and no rule runs twice on one issue, so neither the
    /// echo check nor the per-issue counter ever stops it. The trace carries the chain's length back with each event,
    /// and the run that would make the chain longer than <c>Jira:LoopMaxChain</c> (4 here) is stopped. Counting: each
    /// of the two branches writes at generations 1 to 3 after the first event's two writes, then stops.
    /// </summary>
    [Test]
    public async Task A_chain_of_rules_that_moves_to_a_new_issue_at_every_write_is_stopped_at_the_chain_limit()
    {
        var tenant = Samples.NewTenant();
        var token = _backend.Jira.SystemToken = Samples.Canary("system-token");
        await CreateCommentingRuleAsync(tenant, "Answer every comment A");
        await CreateCommentingRuleAsync(tenant, "Answer every comment B");
        var before = _backend.Jira.Actions.Count;
        var next = 700;
        _backend.Jira.OnWrite = write => SendCommentEventAsync(tenant, "OPS-" + Interlocked.Increment(ref next), token, trace: write.Trace);

        using var first = await SendCommentEventAsync(tenant, "OPS-41", token, trace: null);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        static bool ChainStop(JsonNode? r) => r!["status"]!.GetValue<string>() == "failed" && r["errorCategory"]?.GetValue<string>() == "loop_stopped";
        var runs = await RunsAsync(tenant, r => r.Count(ChainStop) >= 2 || _backend.Jira.Actions.Count - before > 40);
        _backend.Jira.OnWrite = null;
        var writes = _backend.Jira.Actions.Skip(before).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(writes, Has.Count.EqualTo(8), "2 at the first event, then 3 per branch");
            Assert.That(runs.Count(ChainStop), Is.EqualTo(2), "each branch ends with one stopped run");
            Assert.That(writes.Select(w => w.Trace), Has.All.StartWith("blubees."));
        });
    }

    [Test]
    public async Task An_event_without_a_system_token_fails_the_step_clearly_and_calls_nothing()
    {
        var tenant = Samples.NewTenant();
        await CreateCommentingRuleAsync(tenant);
        var before = _backend.Jira.Actions.Count;

        using var response = await SendCommentEventAsync(tenant, "OPS-33", systemToken: null, trace: null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var runs = await RunsAsync(tenant, r => r.Count > 0);
        Assert.That(runs.Single()!["errorCategory"]!.GetValue<string>(), Is.EqualTo("system_token_missing"));
        Assert.That(runs.Single()!["steps"]![0]!["attempts"]!.GetValue<int>(), Is.Zero);
        Assert.That(_backend.Jira.Actions, Has.Count.EqualTo(before));
    }

    [Test]
    public async Task A_dry_run_of_a_Jira_rule_shows_the_request_with_the_token_masked_and_calls_nothing()
    {
        var tenant = Samples.NewTenant();
        var before = _backend.Jira.Actions.Count;
        var rule = new JsonObject
        {
            ["name"] = "Move and note",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(
                new JsonObject { ["id"] = "move", ["type"] = "jira.transition", ["transitionId"] = "31" },
                new JsonObject { ["id"] = "note", ["type"] = "jira.edit", ["fields"] = new JsonObject { ["labels"] = "done, {{ issue.key }}" } }),
        };

        var result = await _backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = Samples.Event("OPS-34", "Dry") });

        var requests = result["requests"]!.AsArray();
        Assert.That(requests.Select(r => $"{r!["method"]} {r["url"]}"), Is.EqualTo(new[]
        {
            $"POST {_backend.Jira.Address.ToString().TrimEnd('/')}/rest/api/3/issue/OPS-34/transitions",
            $"PUT {_backend.Jira.Address.ToString().TrimEnd('/')}/rest/api/3/issue/OPS-34",
        }));
        Assert.That(requests[0]!["headers"]!["Authorization"]!.GetValue<string>(), Is.EqualTo("Bearer ••••••"));
        Assert.That(requests[1]!["body"]!["fields"]!["labels"]!.ToJsonString(), Is.EqualTo("""["done","OPS-34"]"""));
        Assert.That(result["errors"]!.AsArray(), Is.Empty);
        await Task.Delay(200);
        Assert.That(_backend.Jira.Actions, Has.Count.EqualTo(before), "a dry run sends nothing");
    }

    [Test]
    public async Task Invalid_Jira_steps_are_refused_with_the_field_named()
    {
        var tenant = Samples.NewTenant();
        var rule = new JsonObject
        {
            ["name"] = "Broken",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "e", ["type"] = "jira.edit", ["fields"] = new JsonObject { ["status"] = "Done" } }),
        };

        using var response = await _backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(problem["errors"]!["steps[0].fields.status"]![0]!.GetValue<string>(), Does.Contain("not a field this step sets"));
    }

    private async Task CreateCommentingRuleAsync(string tenant, string name = "Answer every comment")
        => await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = name,
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:commented:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "reply",
                ["type"] = "jira.comment",
                ["body"] = "Thanks! We saw: {{ comment.body }}",
            }),
        }, 201);

    private async Task<HttpResponseMessage> SendCommentEventAsync(string tenant, string issueKey, string? systemToken, string? trace, string text = "Please look")
    {
        var evt = Samples.Event(issueKey, "Commented issue", "avi:jira:commented:issue", timestamp: DateTimeOffset.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture));
        evt["comment"] = new JsonObject { ["id"] = Guid.NewGuid().ToString("N"), ["body"] = text };
        evt.Remove("changelog");
        if (trace is not null)
        {
            // Jira hands the write's X-Atlassian-Webhook-Trace back in the event body (events-reference/jira).
            evt["webhookTraceValue"] = trace;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _issuer.MintFor("/forge/events", tenant));
        if (systemToken is not null)
        {
            request.Headers.Add("x-forge-oauth-system", systemToken);
        }

        return await _backend.Client.SendAsync(request);
    }

    private async Task<JsonArray> RunsAsync(string tenant, Func<JsonArray, bool> done)
    {
        var page = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => done(r["items"]!.AsArray()));
        return page["items"]!.AsArray();
    }
}
