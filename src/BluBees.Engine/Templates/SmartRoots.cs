using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// Jira Automation's top-level smart values that are not scope keys, resolved only when the scope, the loop
/// variables and the assigned variables have no such name (so nothing existing changes meaning):
/// <c>now</c> (the run's start on the injected clock: a render of the same run, dry run included, always sees the same
/// instant), <c>triggerIssue</c> (<c>issue</c>), <c>initiator</c> (<c>user</c>, who caused the event),
/// <c>fieldChange</c> (the first changelog item) and <c>baseUrl</c> (the site, from the REST link).
/// Sources: https://support.atlassian.com/cloud-automation/docs/jira-smart-values-date-and-time/ (now),
/// https://confluence.atlassian.com/automation/jira-smart-values-issues-993924860.html (triggerIssue, fieldChange, baseUrl),
/// https://support.atlassian.com/cloud-automation/docs/jira-smart-values-users/ (initiator).
/// </summary>
internal static class SmartRoots
{
    public static bool TryResolve(string name, JsonObject globals, RenderContext ctx, bool raw, out object? value)
    {
        (var known, value) = name switch
        {
            "now" => (true, ctx.Budget is { } budget ? JiraDates.Text(budget.StartedAt) : null),
            "triggerIssue" => (true, Read(globals, "issue", ctx, raw)),
            "initiator" => (true, Read(globals, "user", ctx, raw)),
            "fieldChange" => (true, globals["changelog"]?["items"] is JsonArray { Count: > 0 } items ? Read(items[0], ctx, raw) : null),
            "baseUrl" => (true, BaseUrl(globals, ctx)),
            _ => (false, (object?)null),
        };
        return known;
    }

    private static object? Read(JsonObject globals, string key, RenderContext ctx, bool raw) =>
        globals.TryGetPropertyValue(key, out var node) ? Read(node, ctx, raw) : null;

    private static object? Read(JsonNode? node, RenderContext ctx, bool raw) => raw ? node : Values.FromNode(node, ctx);

    private static string? BaseUrl(JsonObject globals, RenderContext ctx)
    {
        if (globals["issue"]?["self"] is not JsonValue value || Values.FromNode(value, ctx) is not string self)
        {
            return null;
        }

        var rest = self.IndexOf("/rest/", StringComparison.Ordinal);
        return rest > 0 ? ctx.Checked(self[..rest]) : null;
    }
}
