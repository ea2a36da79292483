using System.Text.Json.Nodes;

namespace BluBees.Engine.Events;

/// <summary>
/// A normalized inbound event. Forge documentation shows the event both flat and nested under
/// <c>payload</c>; both are accepted. Everything here is pass-through data except the identifiers that
/// the run log keeps (<see cref="EventType"/>, <see cref="IssueId"/>, <see cref="IssueKey"/>).
/// </summary>
public sealed class JiraEvent
{
    private JiraEvent(JsonObject body, string eventType)
    {
        Body = body;
        EventType = eventType;
    }

    public JsonObject Body { get; }
    public string EventType { get; }
    public JsonObject? Issue => Body["issue"] as JsonObject;
    public string? IssueId => Text(Issue?["id"]);
    public string? IssueKey => Text(Issue?["key"]);
    public string? ProjectKey => Text(Issue?["fields"]?["project"]?["key"]);
    public string? IssueType => Text(Issue?["fields"]?["issuetype"]?["name"]);
    public JsonArray? ChangelogItems => Body["changelog"]?["items"] as JsonArray;

    /// <summary>Normalizes an envelope; returns null and a reason when it is not an event.</summary>
    public static JiraEvent? From(JsonNode? root, out string? error)
    {
        error = null;
        if (root is not JsonObject outer)
        {
            error = "The body must be a JSON object.";
            return null;
        }

        var body = outer["payload"] is JsonObject nested && nested["eventType"] is not null ? nested : outer;
        if (Text(body["eventType"]) is not { Length: > 0 } eventType)
        {
            error = "eventType is required.";
            return null;
        }

        if (eventType.Length > 200)
        {
            error = "eventType is too long.";
            return null;
        }

        return new JiraEvent(body, eventType);
    }

    /// <summary>Builds an event for sources that are not Jira events (schedule, webhook, manual).</summary>
    public static JiraEvent Synthetic(string eventType, JsonObject body)
    {
        body["eventType"] ??= eventType;
        return new JiraEvent(body, eventType);
    }

    public static string? Text(JsonNode? node) => node is JsonValue value
        ? value.TryGetValue<string>(out var s) ? s : value.ToJsonString()
        : null;
}
