namespace BluBees.Engine.Conditions;

internal enum ConditionOperator
{
    Equals, NotEquals, Contains, StartsWith, In, IsEmpty, IsNotEmpty, GreaterThan, LessThan, Matches, Changed,

    /// <summary>The negations of <see cref="In"/>, <see cref="Contains"/> and <see cref="Matches"/> (Jira Automation's "is not one of", "does not contain", "does not match").</summary>
    NotIn, NotContains, NotMatches,
}

internal static class ConditionOperators
{
    private static readonly Dictionary<string, ConditionOperator> ByName = new(StringComparer.Ordinal)
    {
        ["equals"] = ConditionOperator.Equals,
        ["notEquals"] = ConditionOperator.NotEquals,
        ["contains"] = ConditionOperator.Contains,
        ["startsWith"] = ConditionOperator.StartsWith,
        ["in"] = ConditionOperator.In,
        ["isEmpty"] = ConditionOperator.IsEmpty,
        ["isNotEmpty"] = ConditionOperator.IsNotEmpty,
        ["greaterThan"] = ConditionOperator.GreaterThan,
        ["lessThan"] = ConditionOperator.LessThan,
        ["matches"] = ConditionOperator.Matches,
        ["changed"] = ConditionOperator.Changed,
        ["notIn"] = ConditionOperator.NotIn,
        ["notContains"] = ConditionOperator.NotContains,
        ["notMatches"] = ConditionOperator.NotMatches,
    };

    public static IEnumerable<string> Names => ByName.Keys;

    public static bool TryParse(string? name, out ConditionOperator op) => ByName.TryGetValue(name ?? string.Empty, out op);

    public static string Name(ConditionOperator op) => ByName.First(p => p.Value == op).Key;
}
