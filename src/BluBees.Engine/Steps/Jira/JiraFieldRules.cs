using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Which fields <c>jira.edit</c> sets and what shape each accepts, and how a rendered value becomes Jira's
/// shape: description text becomes a document, a priority name becomes <c>{"name": …}</c>, and so on.
/// </summary>
internal static class JiraFieldRules
{
    public const string Known = "summary, description, labels, priority, assignee or customfield_<digits>";

    /// <summary>A problem with a field as written, or null.</summary>
    public static string? Check(string name, JsonNode? value)
    {
        var kind = value?.GetValueKind();
        return name switch
        {
            "summary" => kind == JsonValueKind.String ? null : "must be a text template",
            "description" => kind == JsonValueKind.String || Adf.IsDocument(value) ? null : "must be a text template or an Atlassian Document Format object",
            "labels" => kind is JsonValueKind.String or JsonValueKind.Array ? null : "must be a list of labels or a template rendering comma-separated labels",
            "priority" => kind is JsonValueKind.String or JsonValueKind.Object ? null : "must be a priority name (template) or an object such as {\"id\": \"2\"}",
            "assignee" => kind is null or JsonValueKind.String or JsonValueKind.Object ? null : "must be an account id (template), null to unassign, or an object",
            _ when IsCustomField(name) => null,
            _ => $"'{name}' is not a field this step sets: use {Known}",
        };
    }

    public static bool IsCustomField(string name)
        => name.StartsWith("customfield_", StringComparison.Ordinal) && name.Length is > 12 and <= 32 && name.AsSpan(12).ContainsOnlyDigits();

    private static bool ContainsOnlyDigits(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Turns a rendered value into what Jira expects for the field.</summary>
    public static JsonNode? Shape(string name, JsonNode? rendered) => name switch
    {
        "description" when JiraValues.Text(rendered) is { } text => Adf.FromText(text),
        "labels" when JiraValues.Text(rendered) is { } text => new JsonArray([.. Split(text).Select(l => (JsonNode?)JsonValue.Create(l))]),
        "labels" when rendered is JsonArray list => new JsonArray([.. list.SelectMany(l => Split(JiraValues.Text(l) ?? l?.ToJsonString() ?? string.Empty)).Select(l => (JsonNode?)JsonValue.Create(l))]),
        "priority" when JiraValues.Text(rendered) is { } text => new JsonObject { ["name"] = text.Trim() },
        "assignee" when JiraValues.Text(rendered) is { } text => new JsonObject { ["accountId"] = text.Trim().Length == 0 ? null : text.Trim() },
        "assignee" when rendered is null => new JsonObject { ["accountId"] = null },
        _ => rendered,
    };

    // Jira labels cannot contain spaces: commas and whitespace both separate.
    private static IEnumerable<string> Split(string text)
        => text.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal);
}
