using System.Globalization;
using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Conditions;

namespace BluBees.Bench.Harness;

/// <summary>
/// The one rule and the events of the throughput scenario, and the realistic inputs the micro-benchmarks reuse.
/// Each event carries a unique <c>issue.fields.benchId</c> (<c>&lt;phase&gt;.&lt;index&gt;</c>) that the rule's
/// path template maps into the URL, so the sink can tell which event arrived.
/// </summary>
internal static class BenchScenario
{
    public const string EventType = "avi:jira:updated:issue";
    public const string PathTemplate = "/hook/{{ issue.fields.benchId | url_encode }}";

    public static JsonObject BodyTemplate() => new()
    {
        ["key"] = "{{ issue.key }}",
        ["title"] = "{{ issue.fields.summary | truncate: 80 }}",
        ["points"] = "{{ issue.fields.storyPoints }}",
        ["priority"] = "{{ issue.fields.priority.name | downcase }}",
        ["labels"] = "{{ issue.fields.labels }}",
        ["source"] = "jira",
    };

    public static RuleDefinition Rule(string connectionId) => new()
    {
        Name = "Bench: forward high-priority updates",
        Enabled = true,
        Trigger = new TriggerDefinition { Type = "event", Events = [EventType], Projects = ["OPS"] },
        Conditions = new ConditionNode { All = [new ConditionNode { Field = "issue.fields.priority.name", Op = "equals", Value = JsonValue.Create("High") }] },
        Steps =
        [
            new HttpStepDefinition
            {
                Id = "forward",
                Connection = connectionId,
                Method = "POST",
                Path = PathTemplate,
                Body = BodyTemplate(),
            },
        ],
    };

    /// <summary>A Jira issue-updated event (about 900 bytes serialized), unique per phase and index.</summary>
    public static JsonObject Event(int phase, int index)
    {
        var n = (phase * 1_000_000) + index;
        var number = n.ToString(CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["eventType"] = EventType,
            ["timestamp"] = (1_750_000_000_000L + n).ToString(CultureInfo.InvariantCulture),
            ["atlassianId"] = "5b10ac8d82e05b22cc7d4ef5",
            ["issue"] = new JsonObject
            {
                ["id"] = "10" + number,
                ["key"] = "OPS-" + number,
                ["fields"] = new JsonObject
                {
                    ["benchId"] = string.Create(CultureInfo.InvariantCulture, $"{phase}.{index}"),
                    ["summary"] = "Checkout fails for EU customers when the basket holds more than 20 items",
                    ["description"] = "Steps: add 21 items, pay with card. Expected: order placed. Actual: HTTP 500 from payments.",
                    ["storyPoints"] = 5,
                    ["labels"] = new JsonArray("customer", "payments", "eu"),
                    ["priority"] = new JsonObject { ["name"] = "High", ["id"] = "2" },
                    ["issuetype"] = new JsonObject { ["name"] = "Bug", ["id"] = "10004" },
                    ["status"] = new JsonObject { ["name"] = "In Progress" },
                    ["assignee"] = new JsonObject { ["accountId"] = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", ["displayName"] = "Ada Lovelace" },
                    ["project"] = new JsonObject { ["key"] = "OPS", ["id"] = "10000", ["name"] = "Operations" },
                    ["created"] = "2025-06-01T09:30:00.000+0000",
                },
            },
            ["changelog"] = new JsonObject
            {
                ["id"] = "7" + number,
                ["items"] = new JsonArray(
                    new JsonObject { ["field"] = "status", ["fieldId"] = "status", ["fromString"] = "To Do", ["toString"] = "In Progress", ["from"] = "10000", ["to"] = "3" },
                    new JsonObject { ["field"] = "priority", ["fieldId"] = "priority", ["fromString"] = "Medium", ["toString"] = "High", ["from"] = "3", ["to"] = "2" }),
            },
        };
    }
}
