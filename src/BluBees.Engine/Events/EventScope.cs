using System.Text.Json.Nodes;

namespace BluBees.Engine.Events;

/// <summary>
/// Builds the template and condition scope of one run: the event (<c>issue</c>, <c>changelog</c>,
/// <c>comment</c>, <c>user</c>, <c>project</c>, <c>associatedStatuses</c>, <c>event</c>) and, as the run proceeds,
/// <c>steps.&lt;id&gt;</c>. The scope lives in memory for the run only. Each part is copied only when it has the
/// documented kind (an object, or an array for <c>associatedStatuses</c>), so code reading the scope never meets a
/// string where it expects an object. <c>comment.bodyText</c> is the plain text of the comment's ADF body.
/// </summary>
public static class EventScope
{
    public static JsonObject Create(JiraEvent evt, string source)
    {
        var body = evt.Body;
        var comment = Clone<JsonObject>(body, "comment");
        if (comment is not null && comment.ContainsKey("body") && !comment.ContainsKey("bodyText"))
        {
            comment["bodyText"] = AdfText.Of(comment["body"]);
        }

        var scope = new JsonObject
        {
            ["event"] = new JsonObject
            {
                ["type"] = evt.EventType,
                ["timestamp"] = evt.Timestamp,
                ["source"] = source,
            },
            ["issue"] = Clone<JsonObject>(body, "issue"),
            ["changelog"] = Clone<JsonObject>(body, "changelog"),
            ["comment"] = comment,
            ["user"] = Clone<JsonObject>(body, "user") ?? new JsonObject { ["accountId"] = JiraEvent.Text(JiraEvent.Child(body, "atlassianId")) },
            ["project"] = JiraEvent.Child(evt.Fields, "project") is JsonObject project ? project.DeepClone() : null,
            ["associatedStatuses"] = Clone<JsonArray>(body, "associatedStatuses"),
            ["webhook"] = Clone<JsonObject>(body, "webhook"),
            ["steps"] = new JsonObject(),
        };
        return scope;
    }

    private static T? Clone<T>(JsonObject body, string name) where T : JsonNode
        => JiraEvent.Child(body, name) is T node ? (T)node.DeepClone() : null;
}
