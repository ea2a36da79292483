using System.Text.RegularExpressions;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Conditions;

/// <summary>Turns a <see cref="ConditionNode"/> tree into compiled conditions, collecting precise errors.</summary>
internal static class ConditionCompiler
{
    public const int MaxDepth = 8;
    public const int MaxConditions = 100;
    public const int MaxRegexLength = 1000;

    /// <summary>
    /// How deep a condition's value may nest, as a step body (<see cref="Steps.CompiledBody.MaxDepth"/>). Without a cap
    /// a value nested to the 64 levels a body may have was accepted and then could not be stored: the rule's version
    /// record wraps it one level deeper than the serializer writes (a 500, the rule not saved).
    /// </summary>
    public const int MaxValueDepth = 16;
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(500);

    public static ICondition? Compile(ConditionNode? node, string path, ValidationErrors errors)
    {
        if (node is null)
        {
            return null;
        }

        var count = 0;
        return CompileNode(node, path, 1, ref count, errors);
    }

    private static ICondition? CompileNode(ConditionNode node, string path, int depth, ref int count, ValidationErrors errors)
    {
        if (++count > MaxConditions)
        {
            if (count == MaxConditions + 1)
            {
                errors.Add(path, $"a rule may have at most {MaxConditions} conditions");
            }

            return null;
        }

        var isGroup = node.All is not null || node.Any is not null;
        if (isGroup)
        {
            if (node.All is not null && node.Any is not null)
            {
                errors.Add(path, "a group has either 'all' or 'any', not both");
                return null;
            }

            if (node.Field is not null || node.Op is not null)
            {
                errors.Add(path, "a group ('all'/'any') cannot also have 'field' or 'op'");
            }

            if (depth > MaxDepth)
            {
                errors.Add(path, $"condition groups nest at most {MaxDepth} deep");
                return null;
            }

            var requireAll = node.All is not null;
            var items = node.All ?? node.Any!;
            var name = requireAll ? "all" : "any";
            if (items.Count == 0)
            {
                errors.Add($"{path}.{name}", "a group needs at least one condition");
                return null;
            }
            var children = new List<ICondition>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var childPath = $"{path}.{name}[{i}]";
                if (items[i] is null)
                {
                    errors.Add(childPath, "must be a condition or a group");
                    continue;
                }

                if (CompileNode(items[i], childPath, depth + 1, ref count, errors) is { } child)
                {
                    children.Add(child);
                }
            }

            return new GroupCondition(path, requireAll, children);
        }

        return CompileLeaf(node, path, errors);
    }

    private static ICondition? CompileLeaf(ConditionNode node, string path, ValidationErrors errors)
    {
        if (!ConditionOperators.TryParse(node.Op, out var op))
        {
            errors.Add(path + ".op", node.Op is null
                ? "is required"
                : $"'{node.Op}' is not an operator; use one of: {string.Join(", ", ConditionOperators.Names)}");
            return null;
        }

        if (string.IsNullOrWhiteSpace(node.Field))
        {
            errors.Add(path + ".field", "is required");
            return null;
        }

        if (op == ConditionOperator.Changed)
        {
            return new ChangedCondition(path, node.Field, node.From, node.To);
        }

        if (ScopePath.Parse(node.Field, out var pathError) is not { } field)
        {
            errors.Add(path + ".field", pathError!);
            return null;
        }

        var needsValue = op is not (ConditionOperator.IsEmpty or ConditionOperator.IsNotEmpty);
        if (needsValue && node.Value is null)
        {
            errors.Add(path + ".value", $"is required for '{node.Op}'");
            return null;
        }

        if (Json.JsonDepth.Of(node.Value, MaxValueDepth) > MaxValueDepth)
        {
            errors.Add(path + ".value", $"nests more than {MaxValueDepth} levels");
            return null;
        }

        if (op is ConditionOperator.In or ConditionOperator.NotIn && node.Value is not System.Text.Json.Nodes.JsonArray)
        {
            errors.Add(path + ".value", $"must be an array for '{node.Op}'");
            return null;
        }

        if (op is ConditionOperator.GreaterThan or ConditionOperator.LessThan
            && !Values.TryNumber(node.Value, out _) && !Values.TryDate(node.Value, out _))
        {
            errors.Add(path + ".value", "must be a number or an ISO-8601 date");
            return null;
        }

        Regex? regex = null;
        if (op is ConditionOperator.Matches or ConditionOperator.NotMatches && (regex = CompileRegex(Values.AsText(node.Value), path + ".value", errors)) is null)
        {
            return null;
        }

        return new LeafCondition(path, field, op, node.Value, regex);
    }

    /// <summary>
    /// Regexes run on the non-backtracking engine (linear time), with a timeout as a second fence.
    /// Constructs that need backtracking (backreferences, lookarounds) are refused at save time.
    /// </summary>
    public static Regex? CompileRegex(string? pattern, string path, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            errors.Add(path, "must be a non-empty regular expression");
            return null;
        }

        if (pattern.Length > MaxRegexLength)
        {
            errors.Add(path, $"a regular expression may be at most {MaxRegexLength} characters");
            return null;
        }

        try
        {
            var regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, RegexTimeout);
            // The first match of a fresh NonBacktracking regex pays a one-off construction cost; pay it here,
            // at compile time, not inside the first run's time budget.
            try
            {
                regex.IsMatch("warm-up");
            }
            catch (RegexMatchTimeoutException)
            {
                // Only the warm-up ran late; real evaluations still have their budget.
            }

            return regex;
        }
        catch (ArgumentException ex)
        {
            errors.Add(path, "is not a supported regular expression: " + ex.Message);
            return null;
        }
        catch (NotSupportedException ex)
        {
            errors.Add(path, "uses a construct that needs backtracking, which is not allowed: " + ex.Message);
            return null;
        }
    }
}
