using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BluBees.Engine.Conditions;

/// <summary>One comparison of a scope field against a literal value.</summary>
internal sealed class LeafCondition : ICondition
{
    /// <summary>The properties that name an object in a Jira list field (component, version, option, user, issue).</summary>
    private static readonly string[] NameProperties = ["name", "value", "displayName", "accountId", "key"];

    private readonly string _path;
    private readonly ScopePath _field;
    private readonly ConditionOperator _op;
    private readonly JsonNode? _value;
    private readonly Regex? _regex;
    private readonly string _description;
    private readonly long _valueChars;
    private readonly FailedCheck _check;

    public LeafCondition(string path, ScopePath field, ConditionOperator op, JsonNode? value, Regex? regex)
    {
        _path = path;
        _field = field;
        _op = op;
        _value = value?.DeepClone();
        _regex = regex;
        var literal = value?.ToJsonString();
        _valueChars = literal?.Length ?? 0;
        _description = $"{field.Text} {ConditionOperators.Name(op)}" + (literal is null ? string.Empty : " " + literal);
        _check = new FailedCheck(path, ConditionOperators.Name(op));
    }

    public bool Evaluate(JsonObject scope, out FailedCheck? failed)
    {
        var passed = Evaluate(scope, trace: null);
        failed = passed ? null : _check;
        return passed;
    }

    public bool Evaluate(JsonObject scope, List<ConditionOutcome>? trace)
    {
        var meter = ConditionMeter.Start(_path);
        bool passed;
        try
        {
            meter.Charge(_valueChars);
            passed = Evaluate(_field.Resolve(scope), meter);
        }
        finally
        {
            meter.End();
        }

        trace?.Add(new ConditionOutcome(_path, _description, passed));
        return passed;
    }

    /// <summary>Every operator reads its field through the meter, so the work is charged by length before it is done.</summary>
    private bool Evaluate(JsonNode? actual, ConditionMeter meter) => _op switch
    {
        ConditionOperator.Equals => Equal(actual, _value, meter),
        ConditionOperator.NotEquals => !Equal(actual, _value, meter),
        ConditionOperator.Contains => Contains(actual, meter),
        ConditionOperator.StartsWith => Values.AsText(_value) is { } p && Texts(actual, meter).Any(s => s.StartsWith(p, StringComparison.Ordinal)),
        ConditionOperator.NotContains => !Contains(actual, meter),
        ConditionOperator.In => In(actual, meter),
        ConditionOperator.NotIn => !In(actual, meter),
        ConditionOperator.IsEmpty => Values.IsEmpty(Measured(actual, meter)),
        ConditionOperator.IsNotEmpty => !Values.IsEmpty(Measured(actual, meter)),
        ConditionOperator.GreaterThan => Values.Compare(Measured(actual, meter), _value) > 0,
        ConditionOperator.LessThan => Values.Compare(Measured(actual, meter), _value) < 0,
        ConditionOperator.Matches => Texts(actual, meter).Any(Matches),
        ConditionOperator.NotMatches => !Texts(actual, meter).Any(Matches),
        _ => false,
    };

    /// <summary>The node itself, after charging its text length (the operators below read it as text).</summary>
    private static JsonNode? Measured(JsonNode? node, ConditionMeter meter)
    {
        meter.Text(node);
        return node;
    }

    private static bool Equal(JsonNode? actual, JsonNode? expected, ConditionMeter meter) =>
        Values.AreEqual(Measured(actual, meter), expected);

    private bool Contains(JsonNode? actual, ConditionMeter meter) => actual switch
    {
        JsonArray items => items.Any(i => Listed(i, _value, meter)),
        _ => meter.Text(actual) is { } s && Values.AsText(_value) is { } part && s.Contains(part, StringComparison.Ordinal),
    };

    /// <summary>A value equal to one of the values; a list with one item among them (by its name for an object).</summary>
    private bool In(JsonNode? actual, ConditionMeter meter) => _value is JsonArray options && (actual is JsonArray items
        ? items.Any(i => options.Any(o => Listed(i, o, meter)))
        : options.Any(o => Equal(actual, o, meter)));

    /// <summary>
    /// An item of a list field equals the value, or is an object whose name does: Jira sends components and versions
    /// as <c>{"id","name"}</c>, options as <c>{"id","value"}</c>, users as <c>{"accountId","displayName"}</c>.
    /// </summary>
    private static bool Listed(JsonNode? item, JsonNode? expected, ConditionMeter meter) =>
        Equal(item, expected, meter)
        || item is JsonObject named && expected is JsonValue && NameProperties.Any(
            p => named[p] is JsonValue name && name.GetValueKind() != JsonValueKind.Null && Equal(name, expected, meter));

    /// <summary>
    /// The texts <c>startsWith</c> and <c>matches</c> read: a value's text; for a list field each item's, as
    /// <see cref="Listed"/> reads items (a text or number as itself, an object by its names), never the list's JSON.
    /// </summary>
    private static IEnumerable<string> Texts(JsonNode? actual, ConditionMeter meter)
    {
        if (actual is not JsonArray items)
        {
            if (meter.Text(actual) is { } text)
            {
                yield return text;
            }

            yield break;
        }

        foreach (var item in items)
        {
            if (item is JsonObject named)
            {
                foreach (var property in NameProperties)
                {
                    if (named[property] is JsonValue name && name.GetValueKind() != JsonValueKind.Null && meter.Text(name) is { } text)
                    {
                        yield return text;
                    }
                }
            }
            else if (item is JsonValue && meter.Text(item) is { } text)
            {
                yield return text;
            }
        }
    }

    private bool Matches(string text)
    {
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
