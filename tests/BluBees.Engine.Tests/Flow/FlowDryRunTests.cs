using System.Text.Json.Nodes;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Flow;

/// <summary>The dry run walks branches and loops with the sample: what it previews, what it skips, and what it marks as placeholder.</summary>
public sealed class FlowDryRunTests
{
    private FlowKit _kit = null!;
    private DryRunner _runner = null!;

    [SetUp]
    public void SetUp()
    {
        _kit = new FlowKit();
        _runner = new DryRunner(_kit.Executors.Values, new TemplateBudgets(Options.Create(new TemplateBudgetOptions()), TimeProvider.System), _kit.Jira.FieldCatalog);
    }

    [TearDown]
    public async Task TearDown() => await _kit.DisposeAsync();

    private Task<DryRunResult> RunAsync(JsonObject sample, params string[] steps)
        => _runner.RunAsync(new TenantId("tenant-1"), FlowKit.Compile(steps), sample, CancellationToken.None);

    private static JsonObject SampleWithSubtasks(int count)
    {
        var sample = TestJson.Object(SampleEvents.IssueUpdated);
        sample["issue"]!["fields"]!["subtasks"] = new JsonArray([.. Enumerable.Range(1, count).Select(i => (JsonNode)new JsonObject { ["key"] = $"OPS-{i}" })]);
        return sample;
    }

    [Test]
    public async Task A_loop_over_the_samples_list_previews_each_iteration_up_to_the_cap()
    {
        var result = await RunAsync(SampleWithSubtasks(7),
            """{ "id": "each", "type": "forEach", "items": "issue.fields.subtasks", "steps": [ { "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "#{{ index }}" } ] }""");

        Assert.That(result.Requests.Select(r => $"{r.Path} {r.Index} {r.Url}"), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"steps[0].steps[0] {i} {_kit.Jira.Site.BaseUrl.ToString().TrimEnd('/')}/rest/api/3/issue/OPS-{i + 1}/comment")));
        Assert.That(result.Requests.All(r => r.Headers["Authorization"] == "Bearer ••••••"), Is.True, "the token is masked");
        var loop = result.Flow[0];
        Assert.That((loop.Status, loop.Items, loop.Iterations, loop.Cut, loop.ReadsDryRunOutput), Is.EqualTo(("evaluated", 7, 5, 0, (bool?)null)));
        Assert.That(_kit.Jira.Site.Requests, Is.Empty, "a dry run sends nothing");
    }

    [Test]
    public async Task A_loop_over_a_step_the_dry_run_does_not_execute_previews_one_placeholder_item()
    {
        var result = await RunAsync(SampleWithSubtasks(0),
            """{ "id": "search", "type": "jira.search", "jql": "parent = {{ issue.key }}" }""",
            """{ "id": "each", "type": "forEach", "items": "steps.search.issues", "steps": [ { "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "x" } ] }""");

        Assert.That(result.Requests.Select(r => r.Url.Split("/rest/api/3")[1]), Is.EqualTo(new[] { "/search/jql", "/issue/DRYRUN-1/comment" }));
        Assert.That(result.Flow.Select(f => $"{f.Path} {f.Status} {f.ReadsDryRunOutput}"), Is.EqualTo(new[] { "steps[0] previewed ", "steps[1] evaluated True", "steps[1].steps[0] previewed " }));
        Assert.That(result.Errors, Is.Empty);
    }

    [Test]
    public async Task Branches_follow_the_sample_and_skipped_steps_say_why()
    {
        var result = await RunAsync(TestJson.Object(SampleEvents.IssueUpdated),
            """
            { "id": "b", "type": "if", "if": { "field": "issue.fields.priority.name", "op": "equals", "value": "Low" },
              "then": [ { "id": "low", "type": "jira.comment", "body": "low" } ],
              "else": [ { "id": "high", "type": "jira.comment", "body": "high" },
                        { "id": "never", "type": "jira.comment", "body": "x", "if": { "field": "issue.key", "op": "equals", "value": "NOPE-1" } } ] }
            """,
            """{ "id": "after", "type": "jira.comment", "body": "x", "if": { "field": "steps.high.ok", "op": "equals", "value": true } }""");

        Assert.That(result.Flow.Select(f => $"{f.Path} {f.Id} {f.Status} {f.Branch}{f.SkippedBy} {f.ReadsDryRunOutput}"), Is.EqualTo(new[]
        {
            "steps[0] b evaluated else ", "steps[0].else[0] high previewed  ", "steps[0].else[1] never skipped if ", "steps[1] after skipped if True",
        }));
        Assert.That(result.Requests.Select(r => r.StepId), Is.EqualTo(new[] { "high" }));
        Assert.That(result.Flow[0].Conditions!.Single().Passed, Is.False);
    }

    [Test]
    public async Task A_missing_list_is_a_dry_run_error_on_the_items_path()
    {
        var result = await RunAsync(TestJson.Object(SampleEvents.IssueUpdated),
            """{ "id": "each", "type": "forEach", "items": "issue.fields.subtasks", "steps": [ { "id": "note", "type": "jira.comment", "body": "x" } ] }""");

        Assert.That(result.Errors.Select(e => $"{e.Path} {e.Category}"), Is.EqualTo(new[] { "steps[0].items items_missing" }));
        Assert.That(result.Requests, Is.Empty);
    }
}
