using System.Text.Json.Nodes;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Templates;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Flow;

/// <summary>Per-step <c>if</c> and <c>if</c>/<c>else</c> blocks run against the fake Jira: the path taken, its records and its outputs.</summary>
public sealed class FlowRunTests
{
    private FlowKit _kit = null!;

    [SetUp]
    public void SetUp() => _kit = new FlowKit();

    [TearDown]
    public async Task TearDown() => await _kit.DisposeAsync();

    private static string Block(string condition) => $$"""
        { "id": "b", "type": "if", "if": {{condition}},
          "then": [ { "id": "yes", "type": "jira.comment", "body": "then" } ],
          "else": [ { "id": "no", "type": "jira.comment", "body": "else" } ] }
        """;

    [Test]
    public async Task A_true_condition_runs_then_and_records_the_branch()
    {
        var result = await _kit.RunAsync(FlowKit.Compile(Block("""{ "field": "issue.fields.priority.name", "op": "equals", "value": "High" }""")));

        Assert.That(_kit.Requests(), Is.EqualTo(new[] { "POST /issue/PRJ-12/comment" }));
        var block = result.Records.Single();
        Assert.That((block.Type, block.Status, block.Branch), Is.EqualTo(("if", "succeeded", "then")));
        Assert.That(block.Steps!.Select(s => $"{s.Id} {s.Status} {s.StatusCode}"), Is.EqualTo(new[] { "yes succeeded 201" }));
        Assert.That(result.Status, Is.EqualTo(RunStatus.Succeeded));
    }

    [Test]
    public async Task A_false_condition_runs_else()
    {
        var result = await _kit.RunAsync(FlowKit.Compile(Block("""{ "field": "issue.fields.priority.name", "op": "equals", "value": "Low" }""")));

        Assert.That(_kit.Jira.Site.Requests.Single().Body!["body"]!.ToJsonString(), Does.Contain("else"));
        Assert.That(result.Records.Single().Branch, Is.EqualTo("else"));
        Assert.That(result.Records.Single().Steps!.Single().Id, Is.EqualTo("no"));
    }

    [Test]
    public async Task A_false_condition_without_else_takes_no_branch_and_is_not_a_failure()
    {
        var rule = FlowKit.Compile(
            """{ "id": "b", "type": "if", "if": { "field": "issue.key", "op": "equals", "value": "X-1" }, "then": [ { "id": "yes", "type": "jira.comment", "body": "then" } ] }""",
            """{ "id": "after", "type": "jira.comment", "body": "after {{ steps.b.branch }}" }""");

        var result = await _kit.RunAsync(rule);

        var block = result.Records[0];
        Assert.That((block.Status, block.Branch, block.SkippedBy), Is.EqualTo(("skipped", "none", "if")));
        Assert.That(_kit.Jira.Site.Requests.Single().Body!.ToJsonString(), Does.Contain("after none"), "later steps read the branch taken");
        Assert.That(result.Status, Is.EqualTo(RunStatus.Succeeded));
    }

    [Test]
    public async Task A_per_step_if_reads_an_earlier_steps_output()
    {
        var rule = FlowKit.Compile(
            """{ "id": "get", "type": "jira.fetch" }""",
            """{ "id": "has", "type": "jira.comment", "body": "labelled", "if": { "field": "steps.get.issue.fields.labels", "op": "contains", "value": "a" } }""",
            """{ "id": "hasnt", "type": "jira.comment", "body": "other", "if": { "field": "steps.get.issue.fields.labels", "op": "contains", "value": "zzz" } }""",
            """{ "id": "last", "type": "jira.comment", "body": "{{ steps.hasnt.ok | default: 'no output' }}" }""");

        var result = await _kit.RunAsync(rule);

        Assert.That(_kit.Requests(), Is.EqualTo(new[] { "GET /issue/PRJ-12", "POST /issue/PRJ-12/comment", "POST /issue/PRJ-12/comment" }));
        Assert.That(result.Records.Select(r => $"{r.Id} {r.Status} {r.SkippedBy}"), Is.EqualTo(new[] { "get succeeded ", "has succeeded ", "hasnt skipped if", "last succeeded " }));
        Assert.That(_kit.Jira.Site.Requests[^1].Body!.ToJsonString(), Does.Contain("no output"), "a skipped step has no output");
        Assert.That(result.Status, Is.EqualTo(RunStatus.Succeeded), "a step skipped by its if is not a failure");
    }

    [Test]
    public async Task A_failure_inside_a_block_stops_the_run_unless_the_block_continues()
    {
        const string Failing = """{ "id": "bad", "type": "jira.comment", "issue": "not a key", "body": "x" }""";
        const string After = """{ "id": "after", "type": "jira.comment", "body": "after" }""";
        string Then(string onError) => $$"""{ "id": "b", "type": "if", "onError": "{{onError}}", "if": { "field": "issue.key", "op": "isNotEmpty" }, "then": [ {{Failing}}, { "id": "skipped", "type": "jira.comment", "body": "y" } ] }""";

        var stopped = await _kit.RunAsync(FlowKit.Compile(Then("stop"), After));
        var went = await _kit.RunAsync(FlowKit.Compile(Then("continue").Replace("\"bad\"", "\"bad2\"", StringComparison.Ordinal).Replace("\"skipped\"", "\"skipped2\"", StringComparison.Ordinal), After));

        Assert.That(stopped.Records.Select(r => $"{r.Id} {r.Status} {r.ErrorCategory}"), Is.EqualTo(new[] { "b failed issue_missing", "after skipped " }));
        Assert.That(stopped.Records[0].Steps!.Select(r => $"{r.Id} {r.Status}"), Is.EqualTo(new[] { "bad failed", "skipped skipped" }));
        Assert.That((stopped.Status, stopped.ErrorCategory), Is.EqualTo(("failed", "issue_missing")));
        Assert.That(went.Records.Select(r => $"{r.Id} {r.Status}"), Is.EqualTo(new[] { "b failed", "after succeeded" }));
        Assert.That(went.Status, Is.EqualTo(RunStatus.Partial));
    }

    [Test]
    public async Task A_condition_that_cannot_be_evaluated_fails_the_step_with_its_category()
    {
        var budget = new RunBudget(1, TimeSpan.FromMinutes(1), TimeProvider.System);
        var rule = FlowKit.Compile("""{ "id": "c", "type": "jira.comment", "body": "x", "if": { "field": "issue.fields.summary", "op": "matches", "value": "Login.*" } }""");

        var result = await _kit.RunAsync(rule, budget: budget);

        Assert.That(result.Records.Single().Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(result.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateBudgetExceeded), "conditions in steps charge the run's budget");
        Assert.That(_kit.Jira.Site.Requests, Is.Empty);
    }

    [Test]
    public void Iterations_get_idempotency_keys_of_their_own()
    {
        var run = new StepRun(Tests.Steps.Jira.JiraKit.Tenant, null, new JsonObject()) { EventKey = "e1", RuleId = "r1" };

        var keys = new[] { null, "each#0", "each#1" }.Select(i => IdempotencyKeys.For(run with { Iteration = i }, "post")).ToList();

        Assert.That(keys.Distinct().Count(), Is.EqualTo(3));
        Assert.That(keys[0], Is.EqualTo(IdempotencyKeys.For(run, "post")), "steps outside loops keep their keys");
        Assert.That(FlowKinds.Names, Is.EqualTo(new[] { "if", "forEach" }));
    }
}
