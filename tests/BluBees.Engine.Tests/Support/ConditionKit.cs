using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Conditions;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Support;

/// <summary>Compiles condition trees the way a rule save does (root path <c>conditions</c>).</summary>
internal static class ConditionKit
{
    public static ConditionNode Leaf(string field, string op, string? valueJson = null) => new()
    {
        Field = field,
        Op = op,
        Value = valueJson is null ? null : JsonNode.Parse(valueJson),
    };

    public static ICondition Compile(ConditionNode node)
    {
        var errors = new ValidationErrors();
        var condition = ConditionCompiler.Compile(node, "conditions", errors);
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        Assert.That(condition, Is.Not.Null);
        return condition!;
    }

    public static ICondition Compile(string json) => Compile(TestJson.Read<ConditionNode>(json));

    public static IDictionary<string, string[]> Errors(ConditionNode node)
    {
        var errors = new ValidationErrors();
        ConditionCompiler.Compile(node, "conditions", errors);
        Assert.That(errors.IsEmpty, Is.False, "expected validation errors");
        return errors.ToDictionary();
    }

    public static IDictionary<string, string[]> Errors(string json) => Errors(TestJson.Read<ConditionNode>(json));

    public static bool Evaluate(ConditionNode node, JsonObject? scope = null) => Compile(node).Evaluate(scope ?? SampleEvents.Scope(), null);

    public static bool Evaluate(string field, string op, string? valueJson = null, JsonObject? scope = null)
        => Evaluate(Leaf(field, op, valueJson), scope);
}

/// <summary>A condition with a fixed result that counts how often it was evaluated.</summary>
internal sealed class SpyCondition(string path, bool result) : ICondition
{
    public int Calls { get; private set; }

    public bool Evaluate(JsonObject scope, List<ConditionOutcome>? trace)
    {
        Calls++;
        trace?.Add(new ConditionOutcome(path, "spy", result));
        return result;
    }

    public bool Evaluate(JsonObject scope, out FailedCheck? failed)
    {
        failed = result ? null : new FailedCheck(path, "spy");
        return Evaluate(scope, trace: null);
    }
}
