using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Jira;

/// <summary>Small helpers for rendered JSON values.</summary>
internal static class JiraValues
{
    public static string? Text(JsonNode? node)
        => node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>Issue keys (<c>OPS-17</c>) and ids (<c>10017</c>): letters, digits, '-' and '_' only, at most 100.</summary>
    public static bool IsIssueRef(string value) => value.Length is > 0 and <= 100 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
