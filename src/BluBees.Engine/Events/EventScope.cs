using System.Text.Json.Nodes;

namespace BluBees.Engine.Events;

/// <summary>
/// Builds the template and condition scope of one run: the event (<c>issue</c>, <c>changelog</c>,
/// <c>comment</c>, <c>user</c>, <c>project</c>, <c>event</c>) and, as the run proceeds, <c>steps.&lt;id&gt;</c>.
/// The scope lives in memory for the run only.
/// </summary>
public static class EventScope
{
    public static JsonObject Create(JiraEvent evt, string source)
    {
        var body = evt.Body;
        var scope = new JsonObject
        {
            ["event"] = new JsonObject
            {
                ["type"] = evt.EventType,
                ["timestamp"] = body["timestamp"]?.DeepClone(),
                ["source"] = source,
            },
            ["issue"] = body["issue"]?.DeepClone(),
            ["changelog"] = body["changelog"]?.DeepClone(),
            ["comment"] = body["comment"]?.DeepClone(),
            ["user"] = body["user"]?.DeepClone() ?? new JsonObject { ["accountId"] = body["atlassianId"]?.DeepClone() },
            ["project"] = body["issue"]?["fields"]?["project"]?.DeepClone(),
            ["webhook"] = body["webhook"]?.DeepClone(),
            ["steps"] = new JsonObject(),
        };
        return scope;
    }
}
