using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BluBees.Bench.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Conditions;
using BluBees.Engine.Validation;

namespace BluBees.Bench.Micro;

/// <summary>
/// Condition evaluation over the run scope of a realistic issue-updated event. The tree passes, so every leaf
/// runs (no short-circuit), and in the nested any-group the first branch fails and the second matches.
/// </summary>
[MemoryDiagnoser]
public class ConditionBenchmarks
{
    private JsonObject _scope = null!;
    private JiraEvent _event = null!;
    private ICondition _tree = null!;
    private ICondition _single = null!;

    [GlobalSetup]
    public void Setup()
    {
        _event = JiraEvent.From(BenchScenario.Event(1, 42), out _)!;
        _scope = EventScope.Create(_event, "event");
        _tree = Compile(new ConditionNode
        {
            All =
            [
                Leaf("issue.fields.priority.name", "equals", "High"),
                Leaf("issue.fields.project.key", "in", new JsonArray("OPS", "PAY")),
                new ConditionNode { Any = [Leaf("issue.fields.issuetype.name", "equals", "Incident"), Leaf("issue.fields.labels", "contains", "customer")] },
                Leaf("issue.fields.storyPoints", "greaterThan", 3),
                new ConditionNode { Field = "status", Op = "changed", To = "In Progress" },
                Leaf("issue.fields.summary", "matches", "(?i)checkout|payment"),
            ],
        });
        _single = Compile(BenchScenario.Rule("conn_x").Conditions!);
        if (!_tree.Evaluate(_scope, null) || !_single.Evaluate(_scope, null))
        {
            throw new InvalidOperationException("The benchmark conditions must pass on the sample event.");
        }
    }

    /// <summary>all(6) with a nested any(2): equals, in, equals+contains, greaterThan, changed, matches.</summary>
    [Benchmark]
    public bool EvaluateTree() => _tree.Evaluate(_scope, null);

    /// <summary>The throughput scenario's rule: one <c>equals</c> leaf inside <c>all</c>.</summary>
    [Benchmark]
    public bool EvaluateSingleEquals() => _single.Evaluate(_scope, null);

    /// <summary>Building the per-run scope (deep clone of the event) that conditions and templates read.</summary>
    [Benchmark]
    public JsonObject CreateScope() => EventScope.Create(_event, "event");

    private static ConditionNode Leaf(string field, string op, JsonNode value) => new() { Field = field, Op = op, Value = value };

    private static ICondition Compile(ConditionNode node)
    {
        var errors = new ValidationErrors();
        return ConditionCompiler.Compile(node, "conditions", errors) ?? throw new InvalidOperationException(errors.ToString());
    }
}
