using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Which fields <c>jira.edit</c> sets and what shape each accepts, and how a rendered value becomes Jira's
/// shape: description text becomes a document, a priority name becomes <c>{"name": …}</c>, and so on.
/// </summary>
internal static class JiraFieldRules
{
    public const string Known = "summary, description, labels, priority, assignee, duedate, resolution or customfield_<digits>";

    /// <summary>A problem with a field as written, or null.</summary>
    public static string? Check(string name, JsonNode? value)
    {
        var kind = value?.GetValueKind();
        return name switch
        {
            "summary" => kind == JsonValueKind.String ? null : "must be a text template",
            "description" => kind == JsonValueKind.String || Adf.IsDocument(value) ? null : "must be a text template or an Atlassian Document Format object",
            "labels" => kind is JsonValueKind.String or JsonValueKind.Array ? null : "must be a list of labels or a template rendering comma-separated labels",
            "priority" => kind is JsonValueKind.String or JsonValueKind.Object ? Priority(value!) : "must be a priority name (template) or an object such as {\"id\": \"2\"}",
            "assignee" => kind is null or JsonValueKind.String or JsonValueKind.Object ? null : "must be an account id (template), null to unassign, or an object",
            "duedate" => kind is null || kind == JsonValueKind.String && IsDay(JiraValues.Text(value)!) ? null
                : "must be a day as yyyy-MM-dd (2026-12-31), a template such as {{ now | plus_days: 3 }}, or empty to clear the due date",
            "resolution" => kind is null or JsonValueKind.String || value is JsonObject named && (named.ContainsKey("name") || named.ContainsKey("id")) ? null
                : "must be a resolution name (template), an object such as {\"id\": \"10000\"}, or null to clear the resolution",
            _ when IsCustomField(name) => null,
            _ => $"'{name}' is not a field this step sets: use {Known}",
        };
    }

    /// <summary>
    /// A priority written with nothing in it (<c>""</c>, <c>{"name": " "}</c>, <c>{}</c>): every issue has a priority in
    /// Jira Cloud, so there is nothing to clear and every run would fail at the field (<see cref="JiraEmptyValues"/>);
    /// refused at save. A template may still render empty: that fails the step at run time, as Jira Automation's edit
    /// does. Jira takes a priority as <c>{"name": …}</c> or <c>{"id": …}</c> (Create issue,
    /// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post).
    /// </summary>
    private static string? Priority(JsonNode value)
    {
        var named = value is JsonObject obj
            ? obj.Any(p => p.Key is "name" or "id" && JiraValues.ScalarText(p.Value) is { } text && text.Trim().Length > 0)
            : JiraValues.Text(value)!.Trim().Length > 0;
        return named ? null : "names no priority: Jira has no empty priority (every issue has one); pick a priority, or remove the field to keep the issue's";
    }

    /// <summary>
    /// A due date as written: a template (checked once rendered), empty (clears it), a day <c>yyyy-MM-dd</c>
    /// (<c>"duedate": "2019-05-11"</c> in Create issue, above) or a date-time, which <see cref="Shape"/> sends as its day.
    /// </summary>
    private static bool IsDay(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length == 0 || IsTemplate(trimmed)
            || DateOnly.TryParseExact(trimmed, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _)
            || trimmed.Length > 10 && trimmed.Contains('T', StringComparison.Ordinal) && Templates.JiraDates.Parse(trimmed) is not null;
    }

    private static bool IsTemplate(string text) => text.Contains("{{", StringComparison.Ordinal) || text.Contains("{%", StringComparison.Ordinal);

    public const string MultiValueKnown = "labels, components, fixVersions, versions or customfield_<digits>";

    /// <summary>
    /// <c>jira.create</c> also takes fields by their name in Jira ("Story Points"), resolved to ids at run time, and
    /// the creation-only system fields; the known ones keep their shape rules.
    /// </summary>
    public static string? CheckForCreate(string name, JsonNode? value) => name switch
    {
        "summary" or "description" or "labels" or "priority" or "assignee" or "duedate" => Check(name, value),
        "project" or "issuetype" or "parent" => $"'{name}' is set by the step's own '{(name == "issuetype" ? "issueType" : name)}'",
        _ when IsCustomField(name) => null,
        _ when name.Trim().Length is 0 or > 255 => "a field name must be 1 to 255 characters",
        _ => null,
    };

    /// <summary>The system fields that are lists (of labels, components or versions).</summary>
    public static bool IsListField(string name) => name is "labels" or "components" or "fixVersions" or "versions";

    /// <summary>Fields whose values are lists Jira changes with <c>update</c> operations.</summary>
    public static bool IsMultiValue(string name) => name is "labels" or "components" or "fixVersions" or "versions" || IsCustomField(name);

    /// <summary>An operand of an <c>update</c> operation in Jira's shape: components and versions by name.</summary>
    public static JsonNode? ShapeOperand(string name, JsonNode? rendered) => name switch
    {
        "components" or "fixVersions" or "versions" when JiraValues.ScalarText(rendered) is { } text => new JsonObject { ["name"] = text.Trim() },
        "labels" when JiraValues.ScalarText(rendered) is { } text => JsonValue.Create(text.Trim()),
        _ => rendered,
    };

    /// <summary>System field ids a create may use as they are; any other non-custom name is looked up by name.</summary>
    public static bool IsSystemFieldId(string name) => name is "summary" or "description" or "labels" or "priority" or "assignee" or "duedate"
        or "components" or "fixVersions" or "versions" or "environment" or "reporter";

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

    /// <summary>
    /// Turns a rendered value into what Jira expects for the field. Jira v3 takes <c>description</c> and
    /// <c>environment</c> as documents (https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#version), users
    /// (<c>assignee</c>, <c>reporter</c>) as <c>{"accountId"}</c>, and <c>components</c>, <c>fixVersions</c> and
    /// <c>versions</c> as lists of <c>{"name"}</c> or <c>{"id"}</c> objects
    /// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post): text is
    /// turned into those shapes; objects are sent as written.
    /// </summary>
    public static JsonNode? Shape(string name, JsonNode? rendered) => name switch
    {
        // summary is a string (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put):
        // a number or boolean rendered by a whole-value template is sent as its text.
        "summary" when JiraValues.ScalarText(rendered) is { } text => JsonValue.Create(text),
        "description" or "environment" when JiraValues.ScalarText(rendered) is { } text => Adf.FromText(text),
        "description" or "environment" when rendered is JsonObject document && Adf.IsDocument(document) => Adf.AsJiraText(document),
        "reporter" when JiraValues.Text(rendered) is { } text => new JsonObject { ["accountId"] = text.Trim().Length == 0 ? null : text.Trim() },
        "components" or "fixVersions" or "versions" when JiraValues.ScalarText(rendered) is { } text => Named(text.Split(',')),
        "components" or "fixVersions" or "versions" when rendered is JsonArray list && list.All(v => JiraValues.ScalarText(v) is not null)
            => Named(list.Select(v => JiraValues.ScalarText(v)!)),
        "labels" when JiraValues.ScalarText(rendered) is { } text => new JsonArray([.. Split(text).Select(l => (JsonNode?)JsonValue.Create(l))]),
        "labels" when rendered is JsonArray list => new JsonArray([.. list.SelectMany(l => Split(JiraValues.ScalarText(l) ?? l?.ToJsonString() ?? string.Empty)).Select(l => (JsonNode?)JsonValue.Create(l))]),
        "components" or "fixVersions" or "versions" or "labels" when IsNull(rendered) => new JsonArray(),
        "priority" when JiraValues.Text(rendered) is { } text => new JsonObject { ["name"] = text.Trim() },

        // Jira's priority ids are numbers written as text ("priority": {"id": "20000"}): a rendered number is an id.
        "priority" when rendered?.GetValueKind() == JsonValueKind.Number => new JsonObject { ["id"] = rendered.ToJsonString() },
        "priority" when JiraValues.ScalarText(rendered) is { } text => new JsonObject { ["name"] = text },
        "assignee" or "reporter" when rendered?.GetValueKind() == JsonValueKind.Number => new JsonObject { ["accountId"] = rendered.ToJsonString() },
        "assignee" when JiraValues.Text(rendered) is { } text => new JsonObject { ["accountId"] = text.Trim().Length == 0 ? null : text.Trim() },
        "assignee" when rendered is null => new JsonObject { ["accountId"] = null },
        "duedate" when JiraValues.Text(rendered) is { } text => DueDate(text.Trim()),

        // A resolution by name, as a priority ({"name": "Done"}); empty is cleared (JiraEmptyValues), which Jira allows.
        "resolution" when JiraValues.Text(rendered) is { } text => new JsonObject { ["name"] = text.Trim() },
        _ => rendered,
    };

    /// <summary>
    /// <c>duedate</c> is a day, <c>"duedate": "2019-05-11"</c> (Create issue,
    /// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post), while
    /// <c>now</c>, the date functions and Jira's date-time fields give the REST date-time form
    /// (<c>2024-01-15T10:30:00.000+0000</c>), which Jira refuses there: a date-time is sent as its day as written (in its
    /// own offset, not converted to UTC), empty as null (no due date), any other text as written for Jira to judge.
    /// </summary>
    private static JsonNode? DueDate(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }

        return text.Length > 10 && text.Contains('T', StringComparison.Ordinal) && Templates.JiraDates.Parse(text) is { } date
            ? JsonValue.Create(date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
            : JsonValue.Create(text);
    }

    private static bool IsNull(JsonNode? node) => node is null || node.GetValueKind() == JsonValueKind.Null;

    // Component and version names may hold spaces: only commas separate.
    private static JsonArray Named(IEnumerable<string> names)
        => new([.. names.Select(n => n.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Select(n => (JsonNode?)new JsonObject { ["name"] = n })]);

    // Jira labels cannot contain spaces: commas and whitespace both separate.
    private static IEnumerable<string> Split(string text)
        => text.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal);
}
