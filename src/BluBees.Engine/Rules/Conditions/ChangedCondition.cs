using System.Text.Json.Nodes;

namespace BluBees.Engine.Rules.Conditions;

/// <summary>
/// True when the event's changelog changed <c>field</c>, optionally from and/or to given values. Jira's
/// changelog items carry <c>field</c>/<c>fieldId</c> and <c>fromString</c>/<c>toString</c> (display) and
/// <c>from</c>/<c>to</c> (ids); a value matches either form, case-insensitively for the field name.
/// </summary>
public sealed class ChangedCondition(string path, string field, string? from, string? to) : ICondition
{
    private readonly string _description = $"{field} changed" + (from is null ? string.Empty : $" from '{from}'") + (to is null ? string.Empty : $" to '{to}'");

    public bool Evaluate(JsonObject scope, List<ConditionOutcome>? trace)
    {
        var passed = Matches(scope["changelog"]?["items"] as JsonArray, field, from, to);
        trace?.Add(new ConditionOutcome(path, _description, passed));
        return passed;
    }

    public static bool Matches(JsonArray? items, string field, string? from, string? to)
    {
        if (items is null)
        {
            return false;
        }

        foreach (var item in items)
        {
            if (item is not JsonObject change)
            {
                continue;
            }

            var name = Values.AsText(change["field"]);
            var id = Values.AsText(change["fieldId"]);
            if (!string.Equals(name, field, StringComparison.OrdinalIgnoreCase) && !string.Equals(id, field, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (from is not null && !Same(from, change["fromString"], change["from"]))
            {
                continue;
            }

            if (to is not null && !Same(to, change["toString"], change["to"]))
            {
                continue;
            }

            return true;
        }

        return false;
    }

    private static bool Same(string expected, JsonNode? display, JsonNode? raw)
        => string.Equals(Values.AsText(display), expected, StringComparison.OrdinalIgnoreCase)
        || string.Equals(Values.AsText(raw), expected, StringComparison.OrdinalIgnoreCase);
}
