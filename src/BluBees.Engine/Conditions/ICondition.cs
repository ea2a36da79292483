using System.Text.Json.Nodes;

namespace BluBees.Engine.Conditions;

/// <summary>A compiled, immutable, thread-safe condition.</summary>
public interface ICondition
{
    /// <summary>Evaluates against the run scope; appends to <paramref name="trace"/> when given.</summary>
    bool Evaluate(JsonObject scope, List<ConditionOutcome>? trace);

    /// <summary>
    /// Evaluates like <c>Evaluate(scope, null)</c> (short-circuits, charges the run's budget alike); when false,
    /// <paramref name="failed"/> names the first part that failed (a leaf, or an <c>any</c> group none of whose
    /// children passed). The names are built at compile time, so neither outcome allocates.
    /// </summary>
    bool Evaluate(JsonObject scope, out FailedCheck? failed);
}
