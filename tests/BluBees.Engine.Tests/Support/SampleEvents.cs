using System.Text.Json.Nodes;
using BluBees.Engine.Events;

namespace BluBees.Engine.Tests.Support;

/// <summary>A Jira-like "issue updated" event (status To Do → In Progress) and the run scope built from it.</summary>
internal static class SampleEvents
{
    public const string IssueUpdated = """
        {
          "eventType": "avi:jira:updated:issue",
          "timestamp": 1705314600000,
          "issue": {
            "id": "10012",
            "key": "PRJ-12",
            "fields": {
              "summary": "Login fails on Safari",
              "priority": { "name": "High" },
              "labels": ["ui", "auth"],
              "storyPoints": 5,
              "estimate": 2.5,
              "num": 42,
              "numText": "42",
              "created": "2024-01-15T10:30:00.000+0000",
              "duedate": "2024-02-01",
              "assignee": null,
              "description": "",
              "components": [],
              "customfield_10010": {},
              "watchers": [{ "accountId": "abc" }, { "accountId": "def" }],
              "x-props": { "a-b": "dash", "0": "zero" },
              "project": { "key": "PRJ", "name": "Project" },
              "issuetype": { "name": "Bug" },
              "status": { "name": "In Progress" }
            }
          },
          "changelog": {
            "items": [
              { "field": "status", "fieldId": "status", "from": "10000", "fromString": "To Do", "to": "10001", "toString": "In Progress" },
              { "field": "Story Points", "fieldId": "customfield_10016", "from": null, "fromString": null, "to": "5", "toString": "5" }
            ]
          },
          "user": { "accountId": "abc", "displayName": "Ann Lee" }
        }
        """;

    public static JiraEvent Event(string json = IssueUpdated)
        => JiraEvent.From(JsonNode.Parse(json), out var error) ?? throw new InvalidOperationException(error);

    /// <summary>The event with one field of the issue replaced (or removed when <paramref name="value"/> is null).</summary>
    public static JiraEvent With(string issueField, JsonNode? value)
    {
        var root = JsonNode.Parse(IssueUpdated)!.AsObject();
        var fields = root["issue"]!["fields"]!.AsObject();
        if (value is null)
        {
            fields.Remove(issueField);
        }
        else
        {
            fields[issueField] = value;
        }

        return Event(root.ToJsonString());
    }

    public static JsonObject Scope(string json = IssueUpdated) => EventScope.Create(Event(json), "event");

    public static JsonObject Scope(JiraEvent evt) => EventScope.Create(evt, "event");
}
