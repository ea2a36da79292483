using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Jira;

/// <summary>Small helpers for rendered JSON values.</summary>
internal static class JiraValues
{
    public static string? Text(JsonNode? node)
        => node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>
    /// The text of a rendered value for a text field: a string as it is, a number as its JSON text (<c>5.0</c> stays
    /// <c>5.0</c>), a boolean as <c>true</c>/<c>false</c>; null for null, objects and arrays. A template that is one whole
    /// <c>{{ expression }}</c> keeps the value's JSON type, and Jira takes text fields only as strings.
    /// </summary>
    public static string? ScalarText(JsonNode? node) => node is JsonValue value ? value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
        _ => null,
    } : null;

    /// <summary>Issue keys (<c>OPS-17</c>) and ids (<c>10017</c>): letters, digits, '-' and '_' only, at most 100.</summary>
    public static bool IsIssueRef(string value) => value.Length is > 0 and <= 100 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>
    /// An issue (or project) reference in a request body: Jira takes <c>{"id": …}</c> or <c>{"key": …}</c>
    /// (LinkedIssue of https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-links/#api-rest-api-3-issuelink-post;
    /// <c>project</c> and <c>parent</c> of https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post).
    /// A key starts with its project key, which starts with a letter, so a value of digits only is an id; sent as a
    /// <c>key</c> Jira looks for an issue keyed "10017" and finds none.
    /// </summary>
    public static JsonObject Ref(string value) => value.All(char.IsAsciiDigit) ? new JsonObject { ["id"] = value } : new JsonObject { ["key"] = value };
}
