using System.Text.Json.Nodes;
using BluBees.Engine.Events;

namespace BluBees.Engine.Templates;

/// <summary>
/// Jira Automation's short paths over the REST shapes in the scope, tried only when an object has no member of the
/// name, so every existing path reads what it read before:
/// <list type="bullet">
/// <item>an issue (an object with <c>fields</c> and a <c>key</c> or <c>id</c>): <c>issue.summary</c> reads
/// <c>issue.fields.summary</c> (names case-insensitively, as Jira: <c>issue.dueDate</c>), <c>issue.url</c> the browse
/// link, <c>issue.description</c> the plain text of the ADF body, <c>issue.comments</c> the comment list;</item>
/// <item>a changelog (an object with <c>items</c>): <c>changelog.status</c> is the item that changed the status
/// (<c>.fromString</c>, <c>.toString</c>);</item>
/// <item>a field display name (<c>issue.Story Points</c>) through the run's <see cref="JiraFieldNames"/>.</item>
/// </list>
/// Sources: https://confluence.atlassian.com/automation/jira-smart-values-issues-993924860.html (issue, changelog),
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get (issue shape).
/// </summary>
internal static class JiraShortcuts
{
    public static object? Member(JsonObject obj, string name, RenderContext ctx)
    {
        if (obj["fields"] is JsonObject fields && (obj.ContainsKey("key") || obj.ContainsKey("id")))
        {
            if (IssueMember(obj, fields, name, ctx) is { } found)
            {
                return found;
            }
        }
        else if (obj["items"] is JsonArray items && name is not ("size" or "first" or "last"))
        {
            return ChangeItem(items, name, ctx);
        }

        if (ctx.FieldNames?.IdFor(name) is { } id && id != name)
        {
            if (obj.TryGetPropertyValue(id, out var own))
            {
                return Values.FromNode(own, ctx);
            }

            if (obj["fields"] is JsonObject withFields && withFields.TryGetPropertyValue(id, out var field))
            {
                return Values.FromNode(field, ctx);
            }
        }

        return null;
    }

    private static object? IssueMember(JsonObject issue, JsonObject fields, string name, RenderContext ctx)
    {
        switch (name)
        {
            case "url" or "toUrl":
                return BrowseUrl(issue, ctx);
            case "description" when fields["description"] is JsonObject adf:
                ctx.Scan(adf.Count);
                return ctx.Checked(AdfText.Of(adf));
            case "comments" when fields["comment"] is JsonObject comment:
                return Values.FromNode(comment["comments"], ctx);
        }

        if (fields.TryGetPropertyValue(name, out var exact))
        {
            return Values.FromNode(exact, ctx);
        }

        ctx.Scan(fields.Count * 16L); // the case-insensitive scan visits every field name
        foreach (var (key, value) in fields)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return Values.FromNode(value, ctx);
            }
        }

        return null;
    }

    /// <summary><c>https://site.atlassian.net/browse/KEY</c> from the issue's REST <c>self</c> link.</summary>
    private static string? BrowseUrl(JsonObject issue, RenderContext ctx)
    {
        if (Values.FromNode(issue["self"], ctx) is not string self || Values.FromNode(issue["key"], ctx) is not string key)
        {
            return null;
        }

        var rest = self.IndexOf("/rest/", StringComparison.Ordinal);
        return rest > 0 ? ctx.Checked(self[..rest] + "/browse/" + Uri.EscapeDataString(key)) : null;
    }

    private static object? ChangeItem(JsonArray items, string name, RenderContext ctx)
    {
        foreach (var item in items)
        {
            ctx.Step();
            if (item is JsonObject change
                && (string.Equals(Values.FromNode(change["field"], ctx) as string, name, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(Values.FromNode(change["fieldId"], ctx) as string, name, StringComparison.OrdinalIgnoreCase)))
            {
                return change;
            }
        }

        return null;
    }
}
