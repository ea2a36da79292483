namespace BluBees.Engine.Rules.Conditions;

/// <summary>The trace of one evaluated condition, for dry runs (no values, only the rule's own text).</summary>
public sealed record ConditionOutcome(string Path, string Description, bool Passed, string? Error = null);

/// <summary>Raised when a condition cannot be evaluated (e.g. a regex over its time budget).</summary>
public sealed class ConditionEvaluationException(string message) : Exception(message);
