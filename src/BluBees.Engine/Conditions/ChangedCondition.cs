using System.Text.Json.Nodes;

namespace BluBees.Engine.Conditions;

/// <summary>
/// True when the event's changelog changed <c>field</c>, optionally from and/or to given values. Jira's
/// changelog items carry <c>field</c>/<c>fieldId</c> and <c>fromString</c>/<c>toString</c> (display) and
/// <c>from</c>/<c>to</c> (ids); a value matches either form, case-insensitively for the field name.
/// </summary>
internal sealed class ChangedCondition(string path, string field, string? from, string? to) : ICondition
{
    private readonly string _description = $"{field} changed" + (from is null ? string.Empty : $" from '{from}'") + (to is null ? string.Empty : $" to '{to}'");
    private readonly FailedCheck _check = new(path, "changed");

    public bool Evaluate(JsonObject scope, out FailedCheck? failed)
    {
        var passed = Evaluate(scope, trace: null);
        failed = passed ? null : _check;
        return passed;
    }

    public bool Evaluate(JsonObject scope, List<ConditionOutcome>? trace)
    {
        var meter = ConditionMeter.Start(path);
        bool passed;
        try
        {
            passed = Matches(scope["changelog"]?["items"] as JsonArray, field, from, to, meter);
        }
        finally
        {
            meter.End();
        }

        trace?.Add(new ConditionOutcome(path, _description, passed));
        return passed;
    }

    public static bool Matches(JsonArray? items, string field, string? from, string? to)
    {
        var meter = ConditionMeter.Start("trigger.fieldChanged");
        try
        {
            return Matches(items, field, from, to, meter);
        }
        finally
        {
            meter.End();
        }
    }

    private static bool Matches(JsonArray? items, string field, string? from, string? to, ConditionMeter meter)
    {
        meter.Charge(0);
        if (items is null)
        {
            return false;
        }

        foreach (var item in items)
        {
            meter.Charge(0);
            if (item is not JsonObject change)
            {
                continue;
            }

            var name = meter.Text(change["field"]);
            var id = meter.Text(change["fieldId"]);
            if (!string.Equals(name, field, StringComparison.OrdinalIgnoreCase) && !string.Equals(id, field, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (from is not null && !Same(from, change["fromString"], change["from"], meter))
            {
                continue;
            }

            if (to is not null && !Same(to, change["toString"], change["to"], meter))
            {
                continue;
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// Whether one side of a change is <paramref name="expected"/>. <c>""</c> is an empty value, which Jira writes as
    /// null: a field set for the first time comes as <c>"from": null, "fromString": null</c>
    /// (https://developer.atlassian.com/platform/forge/events-reference/jira/, as samples/events/issue-updated.json).
    /// </summary>
    private static bool Same(string expected, JsonNode? display, JsonNode? raw, ConditionMeter meter)
    {
        var shown = meter.Text(display);
        if (string.Equals(shown, expected, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var id = meter.Text(raw);
        return string.Equals(id, expected, StringComparison.OrdinalIgnoreCase) || (expected.Length == 0 && shown is null && id is null);
    }
}
