using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Events;

/// <summary>
/// A normalized inbound event. Forge documentation shows the event both flat and nested under
/// <c>payload</c>; both are accepted. Everything here is pass-through data except the identifiers that
/// the run log keeps (<see cref="EventType"/>, <see cref="IssueId"/>, <see cref="IssueKey"/>).
/// Every accessor is shape-safe: a value of an unexpected JSON kind reads as null, it never throws
/// (<see cref="EventShape"/> rejects such events at ingress; this is the second line).
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
    public JsonObject? Issue => Child(Body, "issue") as JsonObject;
    public string? IssueId => Text(Child(Issue, "id"));
    public string? IssueKey => Text(Child(Issue, "key"));
    public JsonObject? Fields => Child(Issue, "fields") as JsonObject;
    public string? ProjectKey => Text(Child(Child(Fields, "project"), "key"));
    public string? IssueType => Text(Child(Child(Fields, "issuetype"), "name"));
    public JsonArray? ChangelogItems => Child(Child(Body, "changelog"), "items") as JsonArray;
    public string? ChangelogId => Text(Child(Child(Body, "changelog"), "id"));
    public string? CommentId => Text(Child(Child(Body, "comment"), "id"));
    public string? Timestamp => Text(Child(Body, "timestamp"));
    public string? WebhookId => Text(Child(Child(Body, "webhook"), "id"));

    /// <summary>
    /// The loop trace Jira hands back in the event body: the value an app sent as <c>X-Atlassian-Webhook-Trace</c> on
    /// its own write comes back as <c>webhookTraceValue</c> (https://developer.atlassian.com/platform/forge/events-reference/jira/,
    /// see shared/FORGE.md "Loop trace"). It is not a request header of the event delivery.
    /// </summary>
    public string? WebhookTraceValue => Text(Child(Body, "webhookTraceValue")) is { Length: > 0 and <= EventShape.MaxTraceLength } trace ? trace : null;

    /// <summary>Normalizes an envelope; returns null and a reason when it is not an event.</summary>
    public static JiraEvent? From(JsonNode? root, out string? error)
    {
        error = null;
        if (root is not JsonObject outer)
        {
            error = "The body must be a JSON object.";
            return null;
        }

        var body = Unwrap(outer);
        if (Child(body, "eventType") is not JsonValue typeValue || typeValue.GetValueKind() != JsonValueKind.String
            || Text(typeValue) is not { Length: > 0 } eventType)
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

    /// <summary>The event itself: the <c>payload</c> object when the envelope nests it there, else the envelope.</summary>
    public static JsonObject Unwrap(JsonObject outer)
        => outer["payload"] is JsonObject nested && nested["eventType"] is not null ? nested : outer;

    /// <summary>Builds an event for sources that are not Jira events (schedule, webhook, manual).</summary>
    public static JiraEvent Synthetic(string eventType, JsonObject body)
    {
        body["eventType"] ??= eventType;
        return new JiraEvent(body, eventType);
    }

    /// <summary>Whether <paramref name="eventType"/> is one of the Jira events this backend knows (a closed vocabulary).</summary>
    public static bool IsKnownType(string? eventType) => eventType is not null && EventTypes.Supported.Contains(eventType);

    /// <summary>The property <paramref name="name"/> of <paramref name="node"/> when it is an object; null for any other kind.</summary>
    public static JsonNode? Child(JsonNode? node, string name)
        => node is JsonObject obj && obj.TryGetPropertyValue(name, out var value) ? value : null;

    /// <summary>A scalar as text (a string as is, a number or boolean as JSON); null for objects, arrays and null.</summary>
    public static string? Text(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        try
        {
            return value.GetValueKind() switch
            {
                JsonValueKind.String => value.TryGetValue<string>(out var s) ? s : null,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
                _ => null,
            };
        }
        catch (InvalidOperationException)
        {
            return null; // a string that is not valid UTF-16 (a lone surrogate escape): unreadable, so absent
        }
    }
}
