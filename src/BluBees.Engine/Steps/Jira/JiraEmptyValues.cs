using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Field values that rendered empty: an option, priority, user or version named by nothing (<c>{"value": ""}</c>,
/// <c>{"name": " "}</c>, <c>{"accountId": null}</c>) is not a value Jira takes — it answers 400 — so what a smart value with
/// nothing in it means is decided here, before anything is sent:
/// <list type="bullet">
/// <item>a field Jira can clear is cleared: an option, a cascading select or a user picker is sent as <c>null</c>,
/// <c>assignee</c> and <c>reporter</c> as <c>{"accountId": null}</c> (as an empty account id text already was), and an
/// empty item is dropped from a list of options, components, versions or users, so a list left empty clears the field
/// (Edit issue, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put:
/// "fields … null" clears a field; multi-value fields take <c>[]</c>);</item>
/// <item>a cascading select keeps its parent when only the child is empty (a parent alone is a valid value); a child
/// under an empty parent is a template error;</item>
/// <item>the priority is a template error: an issue has a priority in Jira Cloud (the scheme's default when none is
/// given), so there is nothing to clear, and guessing one would change the issue in a way the rule did not say.</item>
/// </list>
/// Messages name the problem, never the value.
/// </summary>
internal static class JiraEmptyValues
{
    /// <summary>The properties by which Jira names an option, a priority, a version or component, a user or an issue.</summary>
    private static readonly string[] RefKeys = ["value", "id", "name", "accountId", "key"];

    /// <summary>The value to send for <paramref name="name"/> once shaped, or a problem with it (a template error at the field).</summary>
    public static JsonNode? Normalize(string name, JsonNode? shaped, out string? problem)
    {
        problem = null;
        if (name == "priority")
        {
            if (IsNull(shaped) || IsEmptyRef(shaped))
            {
                problem = "the priority rendered empty; Jira has no empty priority, so give a priority name or id (or a default)";
            }

            return shaped;
        }

        switch (shaped)
        {
            case JsonObject when IsEmptyRef(shaped):
                return name is "assignee" or "reporter" ? new JsonObject { ["accountId"] = null } : null;
            case JsonObject cascade when Cascade(cascade) is { } parts:
                var (key, parent, child) = parts;
                if (IsBlank(child))
                {
                    return IsBlank(parent) ? null : new JsonObject { [key] = parent?.DeepClone() };
                }

                if (IsBlank(parent))
                {
                    problem = "the parent option of the cascading select rendered empty while its child option did not";
                }

                return shaped;
            case JsonArray list when list.Any(IsEmptyRef):
                return new JsonArray([.. list.Where(i => !IsEmptyRef(i)).Select(i => i?.DeepClone())]);
            default:
                return shaped;
        }
    }

    /// <summary>An <c>update</c> operand naming nothing (<c>{"name": ""}</c>, <c>""</c>): adding or removing it does nothing.</summary>
    public static bool IsEmptyOperand(JsonNode? operand) => IsEmptyRef(operand) || JiraValues.Text(operand) is { } text && text.Trim().Length == 0;

    /// <summary>An object with one naming property, blank or null: <c>{"value": ""}</c>, <c>{"accountId": null}</c>.</summary>
    private static bool IsEmptyRef(JsonNode? node)
        => node is JsonObject { Count: 1 } obj && obj.First() is var (key, value) && RefKeys.Contains(key, StringComparer.Ordinal) && IsBlank(value);

    /// <summary>A cascading select, <c>{"value": parent, "child": {"value": child}}</c> (or by <c>id</c>): its key and both options.</summary>
    private static (string Key, JsonNode? Parent, JsonNode? Child)? Cascade(JsonObject obj)
    {
        if (obj.Count != 2 || obj["child"] is not JsonObject { Count: 1 } child)
        {
            return null;
        }

        var key = obj.ContainsKey("value") ? "value" : obj.ContainsKey("id") ? "id" : null;
        return key is not null && child.ContainsKey(key) ? (key, obj[key], child[key]) : null;
    }

    private static bool IsBlank(JsonNode? node) => IsNull(node) || JiraValues.Text(node) is { } text && text.Trim().Length == 0;

    private static bool IsNull(JsonNode? node) => node is null || node.GetValueKind() == JsonValueKind.Null;
}
