using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BluBees.Engine.Rules.Conditions;

/// <summary>One comparison of a scope field against a literal value.</summary>
public sealed class LeafCondition : ICondition
{
    private readonly string _path;
    private readonly ScopePath _field;
    private readonly ConditionOperator _op;
    private readonly JsonNode? _value;
    private readonly Regex? _regex;
    private readonly string _description;

    public LeafCondition(string path, ScopePath field, ConditionOperator op, JsonNode? value, Regex? regex)
    {
        _path = path;
        _field = field;
        _op = op;
        _value = value?.DeepClone();
        _regex = regex;
        _description = $"{field.Text} {ConditionOperators.Name(op)}" + (value is null ? string.Empty : " " + value.ToJsonString());
    }

    public bool Evaluate(JsonObject scope, List<ConditionOutcome>? trace)
    {
        var actual = _field.Resolve(scope);
        var passed = _op switch
        {
            ConditionOperator.Equals => Values.AreEqual(actual, _value),
            ConditionOperator.NotEquals => !Values.AreEqual(actual, _value),
            ConditionOperator.Contains => Contains(actual),
            ConditionOperator.StartsWith => Values.AsText(actual) is { } s && Values.AsText(_value) is { } p && s.StartsWith(p, StringComparison.Ordinal),
            ConditionOperator.In => _value is JsonArray options && options.Any(o => Values.AreEqual(actual, o)),
            ConditionOperator.IsEmpty => Values.IsEmpty(actual),
            ConditionOperator.IsNotEmpty => !Values.IsEmpty(actual),
            ConditionOperator.GreaterThan => Values.Compare(actual, _value) > 0,
            ConditionOperator.LessThan => Values.Compare(actual, _value) < 0,
            ConditionOperator.Matches => Matches(actual),
            _ => false,
        };
        trace?.Add(new ConditionOutcome(_path, _description, passed));
        return passed;
    }

    private bool Contains(JsonNode? actual) => actual switch
    {
        JsonArray items => items.Any(i => Values.AreEqual(i, _value)),
        _ => Values.AsText(actual) is { } s && Values.AsText(_value) is { } part && s.Contains(part, StringComparison.Ordinal),
    };

    private bool Matches(JsonNode? actual)
    {
        if (Values.AsText(actual) is not { } text)
        {
            return false;
        }

        try
        {
            return _regex!.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new ConditionEvaluationException($"condition {_path}: the regular expression took longer than its time budget");
        }
    }
}
