using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Json;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Flow;

/// <summary><c>forEach</c> against the fake Jira: items, limits, parallel isolation, failures, bounds on work and on the record.</summary>
public sealed class ForEachRunTests
{
    private FlowKit _kit = null!;

    [SetUp]
    public void SetUp() => _kit = new FlowKit();

    [TearDown]
    public async Task TearDown() => await _kit.DisposeAsync();

    private static string Loop(string items, string extra = "", string steps = """{ "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "#{{ index }} of {{ issue.key }}" }""")
        => $$"""{ "id": "each", "type": "forEach", "items": "{{items}}"{{extra}}, "steps": [ {{steps}} ] }""";

    [Test]
    public async Task Each_result_of_a_search_gets_its_own_iteration_with_item_and_index()
    {
        _kit.Jira.Site.SearchResults.AddRange([.. new[] { "OPS-7", "OPS-8" }.Select(k => new JsonObject { ["id"] = "1", ["key"] = k })]);
        var rule = FlowKit.Compile(
            """{ "id": "search", "type": "jira.search", "jql": "parent = {{ issue.key }}" }""",
            Loop("steps.search.issues", steps: """
                { "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "#{{ index }}" },
                { "id": "move", "type": "jira.transition", "issue": "{{ item.key }}", "transition": "Done", "if": { "field": "steps.note.ok", "op": "equals", "value": true } }
                """),
            """{ "id": "sum", "type": "jira.comment", "body": "{{ steps.each.succeeded }}/{{ steps.each.count }} done; note: {{ steps.note | default: 'gone' }}" }""");

        var result = await _kit.RunAsync(rule);

        Assert.That(_kit.Requests(), Is.EqualTo(new[]
        {
            "POST /search/jql",
            "POST /issue/OPS-7/comment", "GET /issue/OPS-7/transitions", "POST /issue/OPS-7/transitions",
            "POST /issue/OPS-8/comment", "GET /issue/OPS-8/transitions", "POST /issue/OPS-8/transitions",
            "POST /issue/PRJ-12/comment",
        }));
        Assert.That(_kit.Jira.Site.Requests[4].Body!.ToJsonString(), Does.Contain("#1"));
        Assert.That(_kit.Jira.Site.Requests[^1].Body!.ToJsonString(), Does.Contain("2/2 done; note: gone"), "after the loop: counts only, nested outputs gone");
        var loop = result.Records[1];
        Assert.That((loop.Type, loop.Status, loop.Loop!.Items, loop.Loop.Succeeded, loop.Loop.Cut), Is.EqualTo(("forEach", "succeeded", 2, 2, 0)));
        Assert.That(loop.Loop.Iterations.Select(i => $"{i.Index} {i.Status} " + string.Join(",", i.Steps.Select(s => $"{s.Id}:{s.Status}"))),
            Is.EqualTo(new[] { "0 succeeded note:succeeded,move:succeeded", "1 succeeded note:succeeded,move:succeeded" }));
        Assert.That(result.Status, Is.EqualTo(RunStatus.Succeeded));
    }

    [Test]
    public async Task An_empty_list_runs_nothing_and_succeeds()
    {
        var result = await _kit.RunAsync(FlowKit.Compile(Loop("issue.fields.components")));

        Assert.That(_kit.Jira.Site.Requests, Is.Empty);
        Assert.That((result.Records[0].Status, result.Records[0].Loop!.Items, result.Records[0].Loop!.Iterations.Count), Is.EqualTo(("succeeded", 0, 0)));
    }

    [TestCase("issue.fields.nothing_here", "items_missing")]
    [TestCase("issue.fields.summary", "items_not_list")]
    [TestCase("issue.fields.priority", "items_not_list")]
    public async Task A_missing_or_non_list_path_fails_the_loop_with_a_category(string items, string category)
    {
        var result = await _kit.RunAsync(FlowKit.Compile(Loop(items), """{ "id": "after", "type": "jira.comment", "body": "x" }"""));

        Assert.That(result.Records.Select(r => $"{r.Id} {r.Status} {r.ErrorCategory}"), Is.EqualTo(new[] { $"each failed {category}", "after skipped " }));
        Assert.That((result.Status, result.ErrorCategory), Is.EqualTo(("failed", category)));
        Assert.That(_kit.Jira.Site.Requests, Is.Empty);
    }

    [Test]
    public async Task Items_beyond_the_limit_are_cut_and_counted()
    {
        var result = await _kit.RunAsync(FlowKit.Compile(Loop("issue.fields.subtasks", ", \"limit\": 3")), FlowKit.ScopeWithSubtasks(5));

        Assert.That(_kit.Requests(), Is.EqualTo(new[] { "POST /issue/OPS-1/comment", "POST /issue/OPS-2/comment", "POST /issue/OPS-3/comment" }));
        Assert.That((result.Records[0].Loop!.Items, result.Records[0].Loop!.Limit, result.Records[0].Loop!.Cut), Is.EqualTo((5, 3, 2)));
    }

    [Test]
    public async Task Parallel_iterations_each_see_only_their_own_item_and_outputs()
    {
        var rule = FlowKit.Compile(Loop("issue.fields.subtasks", ", \"parallelism\": 5", """
            { "id": "get", "type": "jira.fetch", "issue": "{{ item.key }}" },
            { "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "{{ index }}|{{ steps.get.issue.fields.summary }}" }
            """));

        var result = await _kit.RunAsync(rule, FlowKit.ScopeWithSubtasks(30));

        var comments = _kit.Jira.Site.Requests.Where(r => r.Path.EndsWith("/comment", StringComparison.Ordinal)).ToList();
        Assert.That(comments, Has.Count.EqualTo(30));
        foreach (var comment in comments)
        {
            var key = comment.Path.Split('/')[^2];
            var text = comment.Body!["body"]!.ToJsonString();
            var index = int.Parse(key["OPS-".Length..]) - 1;
            Assert.That(text, Does.Contain($"{index}|Fetched {key}"), "the comment of one iteration carries its own index and its own fetch");
        }

        Assert.That((result.Records[0].Loop!.Succeeded, result.Records[0].Loop!.Parallelism), Is.EqualTo((30, 5)));
        Assert.That(result.Records[0].Loop!.Iterations.Select(i => i.Index), Is.EqualTo(Enumerable.Range(0, 20)), "the first 20 in full, in order");
    }

    [Test]
    public async Task A_failed_iteration_stops_the_loop_and_the_run_by_default()
    {
        var scope = FlowKit.ScopeWithSubtasks(4);
        scope["issue"]!["fields"]!["subtasks"]![1]!["key"] = "not a key";
        var rule = FlowKit.Compile(Loop("issue.fields.subtasks"), """{ "id": "after", "type": "jira.comment", "body": "x" }""");

        var result = await _kit.RunAsync(rule, scope);

        Assert.That(_kit.Requests(), Is.EqualTo(new[] { "POST /issue/OPS-1/comment" }));
        var loop = result.Records[0].Loop!;
        Assert.That((loop.Succeeded, loop.Failed, loop.NotRun), Is.EqualTo((1, 1, 2)));
        Assert.That(loop.ErrorCategories, Is.EqualTo(new Dictionary<string, int> { ["issue_missing"] = 1 }));
        Assert.That(result.Records.Select(r => $"{r.Id} {r.Status}"), Is.EqualTo(new[] { "each failed", "after skipped" }));
        Assert.That(result.Status, Is.EqualTo(RunStatus.Failed));
    }

    [Test]
    public async Task A_loop_that_continues_on_error_runs_every_iteration_and_the_run_is_partial()
    {
        var scope = FlowKit.ScopeWithSubtasks(4);
        scope["issue"]!["fields"]!["subtasks"]![1]!["key"] = "not a key";
        var rule = FlowKit.Compile(Loop("issue.fields.subtasks", ", \"onError\": \"continue\""), """{ "id": "after", "type": "jira.comment", "body": "{{ steps.each.failed }} failed" }""");

        var result = await _kit.RunAsync(rule, scope);

        Assert.That(_kit.Requests(), Is.EqualTo(new[] { "POST /issue/OPS-1/comment", "POST /issue/OPS-3/comment", "POST /issue/OPS-4/comment", "POST /issue/PRJ-12/comment" }));
        Assert.That(_kit.Jira.Site.Requests[^1].Body!.ToJsonString(), Does.Contain("1 failed"));
        Assert.That(result.Records[0].Loop!.Iterations.Select(i => $"{i.Index} {i.Status} {i.ErrorCategory}"),
            Is.EqualTo(new[] { "0 succeeded ", "1 failed issue_missing", "2 succeeded ", "3 succeeded " }));
        Assert.That((result.Status, result.ErrorCategory), Is.EqualTo(("partial", "issue_missing")));
    }

    [Test]
    public async Task A_thousand_iterations_keep_a_small_record()
    {
        var rule = FlowKit.Compile(Loop("issue.fields.subtasks", ", \"limit\": 1000, \"parallelism\": 10"));

        var result = await _kit.RunAsync(rule, FlowKit.ScopeWithSubtasks(1200));

        var loop = result.Records[0].Loop!;
        Assert.That(_kit.Jira.Site.Requests, Has.Count.EqualTo(1000));
        Assert.That((loop.Items, loop.Cut, loop.Succeeded, loop.Iterations.Count, loop.Omitted), Is.EqualTo((1200, 200, 1000, 20, 980)));
        var record = new RunRecord("run_1", "rule_1", 1, "event", "avi:jira:updated:issue", "10012", "PRJ-12", DateTimeOffset.UnixEpoch, 1, result.Status, result.ErrorCategory, result.Records);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, JsonDefaults.Options).Length;
        Assert.That(bytes, Is.LessThan(20_000), "far under DynamoDB's 400 KB item limit");
    }

    [Test]
    public async Task Nested_loops_are_bounded_by_the_runs_step_executions_and_record_budget()
    {
        var scope = SampleEvents.Scope();
        var inner = new JsonArray([.. Enumerable.Range(0, 6).Select(i => (JsonNode)i)]);
        scope["outer"] = new JsonArray([.. Enumerable.Range(0, 1000).Select(_ => (JsonNode)new JsonObject { ["list"] = inner.DeepClone() })]);
        // Every execution fails before sending (the issue renders empty), so the bound is reached without 6,000 calls.
        var rule = FlowKit.Compile("""
            { "id": "outer", "type": "forEach", "items": "outer", "limit": 1000, "onError": "continue", "steps": [
              { "id": "inner", "type": "forEach", "items": "item.list", "onError": "continue", "steps": [
                { "id": "c", "type": "jira.comment", "issue": "{{ item.missing }}", "body": "x", "onError": "continue" } ] } ] }
            """);

        var result = await _kit.RunAsync(rule, scope);

        var loop = result.Records[0].Loop!;
        Assert.That(loop.Failed, Is.EqualTo(1000));
        var inners = loop.Iterations.Select(i => i.Steps.Single().Loop!).ToList();
        Assert.That(inners[0].Iterations.Select(i => i.ErrorCategory).Distinct(), Is.EqualTo(new[] { "issue_missing" }));
        Assert.That(loop.ErrorCategories!.Keys, Is.EquivalentTo(new[] { "issue_missing", "step_limit_exceeded" }));
        Assert.That(loop.ErrorCategories["step_limit_exceeded"], Is.EqualTo(1000 - (5000 / 6 + 1)), "iterations that started past the 5,000th execution");
        var kept = StepSequence.CountRecords(result.Records);
        Assert.That(kept, Is.LessThanOrEqualTo(1 + 400), "nested records kept stay within the run's budget");
        Assert.That(_kit.Jira.Site.Requests, Is.Empty);
    }

    [Test]
    public async Task Cancellation_stops_the_loop_and_fails_the_run_as_cancelled()
    {
        using var cts = new CancellationTokenSource();
        _kit.Jira.Site.SearchResults.Clear();
        var rule = FlowKit.Compile(Loop("issue.fields.subtasks", steps: """{ "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "x", "if": { "field": "index", "op": "greaterThan", "value": 1 } }"""));
        await cts.CancelAsync();

        var result = await _kit.RunAsync(rule, FlowKit.ScopeWithSubtasks(3), ct: cts.Token);

        Assert.That((result.Status, result.ErrorCategory), Is.EqualTo(("failed", "cancelled")));
        Assert.That(result.Records[0].Loop!.NotRun, Is.EqualTo(3));
    }
}
