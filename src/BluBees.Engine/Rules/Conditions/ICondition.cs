using System.Text.Json.Nodes;

namespace BluBees.Engine.Rules.Conditions;

/// <summary>A compiled, immutable, thread-safe condition.</summary>
public interface ICondition
{
    /// <summary>Evaluates against the run scope; appends to <paramref name="trace"/> when given.</summary>
    bool Evaluate(JsonObject scope, List<ConditionOutcome>? trace);
}
