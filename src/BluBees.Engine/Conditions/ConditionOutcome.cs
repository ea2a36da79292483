namespace BluBees.Engine.Conditions;

/// <summary>The trace of one evaluated condition, for dry runs (no values, only the rule's own text).</summary>
public sealed record ConditionOutcome(string Path, string Description, bool Passed, string? Error = null);

/// <summary>Raised when a condition cannot be evaluated (e.g. a regex over its time budget, or the run's budget used up).</summary>
public sealed class ConditionEvaluationException(string message, string category = Execution.ErrorCategories.ConditionError) : Exception(message)
{
    /// <summary>The run record's error category: <c>condition_error</c>, or <c>template_budget_exceeded</c> for the run's budget.</summary>
    public string Category { get; } = category;

    internal static ConditionEvaluationException BudgetExceeded(string path, string budget) =>
        new($"condition {path}: {budget}", Execution.ErrorCategories.TemplateBudgetExceeded);
}
