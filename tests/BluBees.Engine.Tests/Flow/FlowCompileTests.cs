using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Steps.Jira;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.StepKit;

namespace BluBees.Engine.Tests.Flow;

/// <summary>Save-time validation of per-step <c>if</c>, <c>if</c> blocks and <c>forEach</c>: every error names its path.</summary>
public sealed class FlowCompileTests
{
    private const string Comment = """{ "id": "note", "type": "jira.comment", "issue": "{{ item.key }}", "body": "Closing" }""";

    private static IDictionary<string, string[]> Errors(params string[] steps)
    {
        var (rule, errors) = CompileRule(Rule(steps));
        Assert.That(rule, Is.Null, "an invalid rule must not compile");
        return errors.ToDictionary();
    }

    private static CompiledRule Valid(params string[] steps)
    {
        var (rule, errors) = CompileRule(Rule(steps));
        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        return rule!;
    }

    [Test]
    public void A_rule_with_every_flow_form_compiles_to_blocks_and_guarded_steps()
    {
        var rule = Valid(
            """{ "id": "search", "type": "jira.search", "jql": "parent = {{ issue.key }}" }""",
            $$"""{ "id": "each", "type": "forEach", "items": "steps.search.issues", "limit": 50, "parallelism": 4, "steps": [ {{Comment}} ] }""",
            """
            { "id": "b", "type": "if", "if": { "field": "steps.each.failed", "op": "equals", "value": 0 },
              "then": [ { "id": "ok", "type": "http", "connection": "conn_api", "method": "POST", "path": "/ok" } ],
              "else": [ { "id": "bad", "type": "http", "connection": "conn_api", "method": "POST", "path": "/bad",
                          "if": { "field": "issue.fields.priority.name", "op": "equals", "value": "High" } } ] }
            """);

        var loop = (CompiledForEach)rule.Steps[1];
        Assert.That((loop.Items.Text, loop.Limit, loop.Parallelism, loop.Steps.Single().Kind), Is.EqualTo(("steps.search.issues", 50, 4, "jira.comment")));
        var block = (CompiledIfBlock)rule.Steps[2];
        Assert.That(block.Then.Single().Id, Is.EqualTo("ok"));
        Assert.That(block.Else.Single(), Is.TypeOf<GuardedStep>());
        Assert.That(block.ConnectionIds, Is.EqualTo(new[] { ApiId }), "a block's connections are its steps' (a connection in use cannot be deleted)");
        Assert.That(CompiledJiraStep.IsWrite(loop), Is.True, "the loop guard sees the comment inside the loop");
        Assert.That(CompiledJiraStep.IsWrite(rule.Steps[0]), Is.False);
    }

    [Test]
    public void A_loop_takes_the_default_limit_and_parallelism()
    {
        var loop = (CompiledForEach)Valid($$"""{ "id": "each", "type": "forEach", "items": "issue.fields.subtasks", "steps": [ {{Comment}} ] }""").Steps[0];

        Assert.That((loop.Limit, loop.Parallelism), Is.EqualTo((100, 1)));
    }

    [TestCase(0, "steps[0].limit", "must be between 1 and 1,000")]
    [TestCase(1001, "steps[0].limit", "must be between 1 and 1,000")]
    public void The_limit_is_bounded(int limit, string path, string message)
    {
        Assert.That(Errors($$"""{ "id": "each", "type": "forEach", "items": "issue.fields.subtasks", "limit": {{limit}}, "steps": [ {{Comment}} ] }"""),
            Is.EqualTo(new Dictionary<string, string[]> { [path] = [message] }));
    }

    [TestCase(0)]
    [TestCase(11)]
    public void Parallelism_is_bounded(int parallelism)
    {
        Assert.That(Errors($$"""{ "id": "each", "type": "forEach", "items": "issue.fields.subtasks", "parallelism": {{parallelism}}, "steps": [ {{Comment}} ] }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].parallelism"] = ["must be between 1 and 10"] }));
    }

    [Test]
    public void A_loop_inside_a_loop_runs_one_iteration_at_a_time()
    {
        var errors = Errors($$"""
            { "id": "outer", "type": "forEach", "items": "issue.fields.subtasks", "parallelism": 5, "steps": [
              { "id": "inner", "type": "forEach", "items": "item.fields.subtasks", "parallelism": 2, "steps": [ {{Comment}} ] } ] }
            """);

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps[0].steps[0].parallelism" }));
    }

    [Test]
    public void Nested_errors_name_the_full_path()
    {
        var errors = Errors("""
            { "id": "b", "type": "if", "if": { "all": [ { "field": "issue.key", "op": "nope" } ] },
              "then": [ { "id": "each", "type": "forEach", "items": "{{ steps.x }}", "steps": [
                { "id": "c", "type": "jira.comment", "body": "x", "if": { "field": "item..key", "op": "equals", "value": 1 } },
                { "id": "d", "type": "jira.teleport" } ] } ],
              "else": [] }
            """);

        Assert.That(errors.Keys, Is.EquivalentTo(new[]
        {
            "steps[0].if.all[0].op", "steps[0].then[0].items", "steps[0].then[0].steps[0].if.field", "steps[0].then[0].steps[1].type",
        }));
        Assert.That(errors["steps[0].then[0].items"][0], Does.Contain("scope path, not a template"));
        Assert.That(errors["steps[0].then[0].steps[1].type"][0], Does.Contain("'forEach'").And.Contain("'if'"));
    }

    [Test]
    public void Blocks_need_their_parts()
    {
        var errors = Errors("""{ "id": "b", "type": "if" }""", """{ "id": "each", "type": "forEach" }""");

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "steps[0].if", "steps[0].then", "steps[1].items", "steps[1].steps" }));
    }

    [Test]
    public void Fields_of_another_kind_are_refused_by_name()
    {
        var errors = Errors(
            $$"""{ "id": "b", "type": "if", "if": { "field": "issue.key", "op": "isNotEmpty" }, "then": [ {{Comment}} ], "items": "x", "connection": "conn_api" }""",
            """{ "id": "h", "type": "http", "connection": "conn_api", "then": [], "limit": 5 }""");

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "steps[0].items", "steps[0].connection", "steps[1].then", "steps[1].limit" }));
    }

    [Test]
    public void Ids_are_unique_across_nested_steps()
    {
        var errors = Errors(
            """{ "id": "note", "type": "jira.comment", "body": "a" }""",
            $$"""{ "id": "each", "type": "forEach", "items": "issue.fields.subtasks", "steps": [ {{Comment}} ] }""");

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]> { ["steps[1].steps[0].id"] = ["'note' is used by an earlier step"] }));
    }

    [Test]
    public void Blocks_nest_at_most_three_deep()
    {
        static string Wrap(string inner, int n) => $$"""{ "id": "b{{n}}", "type": "if", "if": { "field": "issue.key", "op": "isNotEmpty" }, "then": [ {{inner}} ] }""";
        Valid(Wrap(Wrap(Wrap(Comment, 3), 2), 1));

        var errors = Errors(Wrap(Wrap(Wrap(Wrap(Comment, 4), 3), 2), 1));

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps[0].then[0].then[0].then[0].type" }));
        Assert.That(errors.Values.Single()[0], Does.Contain("at most 3 deep"));
    }

    [Test]
    public void The_whole_rule_holds_at_most_fifty_steps()
    {
        var comments = string.Join(",", Enumerable.Range(0, 19).Select(i => $$"""{ "id": "c{{i}}", "type": "jira.comment", "body": "x" }"""));
        var blocks = Enumerable.Range(0, 3).Select(b => $$"""{ "id": "b{{b}}", "type": "if", "if": { "field": "issue.key", "op": "isNotEmpty" }, "then": [ {{comments.Replace("\"c", $"\"b{b}c", StringComparison.Ordinal)}} ] }""").ToArray();

        var errors = Errors(blocks);

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps[2].then[9]" }), "the 51st step counted depth first");
    }

    [Test]
    public void An_unknown_type_lists_the_flow_kinds_too()
    {
        Assert.That(Errors("""{ "id": "x", "type": "while" }""")["steps[0].type"][0], Does.Contain("'forEach'").And.Contain("'if'"));
        Assert.That(StepKinds.Names, Does.Not.Contain("if"), "flow types are compiled by the step list, not the kind registry");
    }
}
