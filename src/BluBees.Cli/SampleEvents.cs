using System.Globalization;
using System.Text.Json.Nodes;

namespace BluBees.Cli;

/// <summary>Realistic Jira product events, shaped like the ones Forge delivers (see FORGE.md).</summary>
internal static class SampleEvents
{
    public static readonly string[] Kinds = ["created", "updated", "commented"];

    public static JsonObject Create(string kind, string issueKey, DateTimeOffset now, string? summary = null)
    {
        var timestamp = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var project = issueKey.Split('-')[0];
        var issue = Issue(issueKey, project, kind == "updated" ? "Done" : "To Do", summary ?? "Checkout fails with a 502 on large carts", now);
        return kind switch
        {
            "created" => new JsonObject
            {
                ["eventType"] = "avi:jira:created:issue",
                ["timestamp"] = timestamp,
                ["atlassianId"] = "5b10ac8d82e05b22cc7d4ef5",
                ["selfGenerated"] = false,
                ["issue"] = issue,
            },
            "updated" => new JsonObject
            {
                ["eventType"] = "avi:jira:updated:issue",
                ["timestamp"] = timestamp,
                ["atlassianId"] = "5b10ac8d82e05b22cc7d4ef5",
                ["selfGenerated"] = false,
                ["issue"] = issue,
                ["associatedStatuses"] = new JsonObject
                {
                    ["from"] = new JsonObject { ["id"] = "10000", ["name"] = "In Progress" },
                    ["to"] = new JsonObject { ["id"] = "10002", ["name"] = "Done" },
                },
                ["changelog"] = new JsonObject
                {
                    ["id"] = "10" + timestamp[^6..],
                    ["items"] = new JsonArray(
                        new JsonObject
                        {
                            ["field"] = "status", ["fieldtype"] = "jira", ["fieldId"] = "status",
                            ["from"] = "10000", ["fromString"] = "In Progress", ["to"] = "10002", ["toString"] = "Done",
                        },
                        new JsonObject
                        {
                            ["field"] = "resolution", ["fieldtype"] = "jira", ["fieldId"] = "resolution",
                            ["from"] = null, ["fromString"] = null, ["to"] = "10000", ["toString"] = "Done",
                        }),
                },
            },
            "commented" => new JsonObject
            {
                ["eventType"] = "avi:jira:commented:issue",
                ["timestamp"] = timestamp,
                ["atlassianId"] = "5b10ac8d82e05b22cc7d4ef5",
                ["issue"] = issue,
                ["comment"] = new JsonObject
                {
                    ["id"] = "20" + timestamp[^6..],
                    ["body"] = "Reproduced on staging; rolling back the cart service.",
                    ["author"] = new JsonObject { ["accountId"] = "5b10ac8d82e05b22cc7d4ef5", ["displayName"] = "Mia Krystof" },
                    ["created"] = now.ToString("O", CultureInfo.InvariantCulture),
                },
            },
            _ => throw new CliException($"Unknown event kind '{kind}': use one of {string.Join(", ", Kinds)}."),
        };
    }

    private static JsonObject Issue(string key, string project, string status, string summary, DateTimeOffset now) => new()
    {
        ["id"] = "100" + Math.Abs(key.GetHashCode(StringComparison.Ordinal) % 1000).ToString("D3", CultureInfo.InvariantCulture),
        ["key"] = key,
        ["fields"] = new JsonObject
        {
            ["summary"] = summary,
            ["issuetype"] = new JsonObject { ["id"] = "10004", ["name"] = "Bug" },
            ["project"] = new JsonObject { ["id"] = "10000", ["key"] = project, ["name"] = "Operations" },
            ["status"] = new JsonObject { ["name"] = status, ["statusCategory"] = new JsonObject { ["key"] = status == "Done" ? "done" : "new" } },
            ["priority"] = new JsonObject { ["id"] = "2", ["name"] = "High" },
            ["labels"] = new JsonArray("checkout", "customer-facing"),
            ["assignee"] = new JsonObject { ["accountId"] = "5b10ac8d82e05b22cc7d4ef5", ["displayName"] = "Mia Krystof" },
            ["reporter"] = new JsonObject { ["accountId"] = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", ["displayName"] = "Sam Ortega" },
            ["created"] = now.AddHours(-3).ToString("O", CultureInfo.InvariantCulture),
            ["updated"] = now.ToString("O", CultureInfo.InvariantCulture),
        },
    };
}
