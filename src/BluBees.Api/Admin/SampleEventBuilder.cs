using System.Globalization;
using System.Text.Json.Nodes;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Events;

namespace BluBees.Api.Admin;

/// <summary>
/// Builds a Forge Jira issue event from an issue as Jira's REST API returns it, in the shape Atlassian documents for
/// Forge product events (https://developer.atlassian.com/platform/forge/events-reference/jira/; the fixtures in
/// samples/events follow it): <c>eventType</c>, <c>timestamp</c> (a string of epoch milliseconds), <c>atlassianId</c>
/// and <c>associatedUsers</c> (the caller here), <c>issue {id, key, fields}</c>; updated events add
/// <c>changelog {id, items[]}</c> with items <c>{field, fieldtype, fieldId, from, fromString, to, toString}</c>; comment
/// events add <c>comment</c> (the issue's latest comment, in Jira's comment shape with an ADF body). Null when the
/// answer is not an issue of that shape (the route answers 502).
/// </summary>
internal static class SampleEventBuilder
{
    public static JsonObject? Build(JsonNode? issue, string eventType, FieldChange change, string? accountId, DateTimeOffset now)
    {
        if (issue is not JsonObject source || source["key"] is not JsonValue || source["fields"] is not JsonObject jiraFields)
        {
            return null;
        }

        // Jira's comment field is {"comments": [...], ...} or absent; any other kind is an answer this route cannot use
        // (a 502, like every other unexpected answer), never an indexer that throws on a string or an array.
        var comment = jiraFields["comment"];
        if (comment is not (null or JsonObject) || comment is JsonObject o && o["comments"] is not (null or JsonArray))
        {
            return null;
        }

        var fields = (JsonObject)jiraFields.DeepClone();
        var comments = (comment as JsonObject)?["comments"]?.DeepClone() as JsonArray;
        fields.Remove("comment");
        var timestamp = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var sample = new JsonObject
        {
            ["eventType"] = eventType,
            ["timestamp"] = timestamp,
            ["atlassianId"] = accountId,
            ["associatedUsers"] = new JsonArray(new JsonObject { ["accountId"] = accountId }),
            ["issue"] = new JsonObject { ["id"] = source["id"]?.DeepClone(), ["key"] = source["key"]!.DeepClone(), ["fields"] = fields },
        };

        if (eventType == EventTypes.IssueUpdated)
        {
            sample["changelog"] = Changelog(fields, change);
        }
        else if (eventType is EventTypes.IssueCommented or EventTypes.CommentDeleted)
        {
            sample["comment"] = comments is [.., JsonObject latest] ? latest.DeepClone() : EmptyComment(accountId, now);
        }

        return sample;
    }

    /// <summary>
    /// The trigger's change: from→to as the trigger names them; a side the trigger leaves open takes the issue's
    /// current value for <c>to</c> (the change just happened) and stays null for <c>from</c>.
    /// </summary>
    private static JsonObject Changelog(JsonObject fields, FieldChange change)
    {
        var items = new JsonArray();
        if (!string.IsNullOrWhiteSpace(change.Field))
        {
            var fieldId = change.Field.Trim();
            var current = fields[fieldId] switch
            {
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                JsonObject o => (o["name"] ?? o["displayName"] ?? o["value"]) is JsonValue n && n.TryGetValue<string>(out var s) ? s : null,
                _ => null,
            };
            items.Add(new JsonObject
            {
                ["field"] = fieldId,
                ["fieldtype"] = fieldId.StartsWith("customfield_", StringComparison.Ordinal) ? "custom" : "jira",
                ["fieldId"] = fieldId,
                ["from"] = null,
                ["fromString"] = change.From,
                ["to"] = null,
                ["toString"] = change.To ?? current,
            });
        }

        return new JsonObject { ["id"] = "0", ["items"] = items };
    }

    private static JsonObject EmptyComment(string? accountId, DateTimeOffset now)
    {
        var created = now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture).Remove(26, 1);
        return new JsonObject
        {
            ["id"] = "0",
            ["author"] = new JsonObject { ["accountId"] = accountId },
            ["updateAuthor"] = new JsonObject { ["accountId"] = accountId },
            ["body"] = new JsonObject { ["type"] = "doc", ["version"] = 1, ["content"] = new JsonArray() },
            ["created"] = created,
            ["updated"] = created,
        };
    }
}
