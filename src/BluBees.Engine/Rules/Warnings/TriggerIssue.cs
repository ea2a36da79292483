using System.Text.Json.Nodes;
using BluBees.Engine.Steps.Jira;

namespace BluBees.Engine.Rules.Warnings;

/// <summary>
/// Jira steps that act on the run's issue when they name none (<c>issue</c> left out; a link's side left out) in a rule
/// whose trigger brings no issue: a webhook, or a schedule without a JQL. The step would fail every run with
/// <c>issue_missing</c>; the builder's "leave empty for the event's issue" reads as if there were one.
/// </summary>
internal static class TriggerIssue
{
    private static readonly HashSet<string> ActOnIssue = new(StringComparer.Ordinal)
    {
        CompiledJiraStep.CommentKind, CompiledJiraStep.EditKind, CompiledJiraStep.TransitionKind, CompiledJiraStep.FetchKind, CompiledJiraStep.AssignKind,
    };

    /// <summary>Why runs of the trigger have no issue (for the message), or null when they have one (events, manual runs, a schedule with a JQL).</summary>
    public static string? Lacking(TriggerDefinition? trigger) => trigger?.Type switch
    {
        "webhook" => "an incoming webhook brings no Jira issue",
        "schedule" when string.IsNullOrWhiteSpace(trigger.Schedule?.Jql) => "a schedule without a JQL runs without an issue",
        _ => null,
    };

    public static void Check(JsonObject step, string path, string lacking, List<RuleWarning> warnings)
    {
        var kind = step["type"] is JsonValue type && type.TryGetValue<string>(out var t) ? t : null;
        string? field = kind switch
        {
            _ when kind is not null && ActOnIssue.Contains(kind) && Blank(step["issue"]) => "issue",
            CompiledJiraStep.LinkKind when Blank(step["outwardIssue"]) => "outwardIssue",
            CompiledJiraStep.LinkKind when Blank(step["inwardIssue"]) => "inwardIssue",
            _ => null,
        };
        if (field is not null)
        {
            warnings.Add(new RuleWarning($"{path}.{field}", RuleWarningCodes.NoIssue,
                $"This Jira step acts on the rule's issue, but {lacking}: name the issue here (e.g. a key from the webhook's body, or a search step's result), or every run fails with issue_missing."));
        }
    }

    private static bool Blank(JsonNode? value) => value is null || value is JsonValue v && v.TryGetValue<string>(out var s) && string.IsNullOrWhiteSpace(s);
}
