using System.Text.Json.Nodes;

namespace BluBees.Api.Tests.Harness;

/// <summary>Builders for the JSON the tests send.</summary>
public static class Samples
{
    public static string NewTenant() => "ari:cloud:ecosystem::installation/" + Guid.NewGuid();

    public static JsonObject Connection(Uri baseUrl, string secret, string type = "bearer") => new()
    {
        ["name"] = "Ticketing " + Guid.NewGuid().ToString("N")[..6],
        ["baseUrl"] = new Uri(baseUrl, "/api/v2").ToString(),
        ["auth"] = type switch
        {
            "apiKey" => new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "X-Api-Key" },
            "basic" => new JsonObject { ["type"] = "basic", ["username"] = "blubees" },
            _ => new JsonObject { ["type"] = type },
        },
        ["secret"] = secret,
    };

    /// <summary>A rule; without a name, a distinct one each call (rule names are unique per tenant).</summary>
    public static JsonObject Rule(string connectionId, string? name = null) => new()
    {
        ["name"] = name ?? "Create ticket when done " + Guid.NewGuid().ToString("N")[..6],
        ["trigger"] = new JsonObject
        {
            ["type"] = "event",
            ["events"] = new JsonArray("avi:jira:updated:issue", "avi:jira:created:issue"),
            ["projects"] = new JsonArray("OPS"),
        },
        ["conditions"] = new JsonObject
        {
            ["all"] = new JsonArray(new JsonObject { ["field"] = "issue.fields.priority.name", ["op"] = "equals", ["value"] = "High" }),
        },
        ["steps"] = new JsonArray(new JsonObject
        {
            ["id"] = "ticket",
            ["type"] = "http",
            ["connection"] = connectionId,
            ["method"] = "POST",
            ["path"] = "/tickets/{{ issue.key | url_encode }}",
            ["query"] = new JsonObject { ["source"] = "jira" },
            ["body"] = new JsonObject
            {
                ["key"] = "{{ issue.key }}",
                ["title"] = "{{ issue.fields.summary }}",
                ["points"] = "{{ issue.fields.storyPoints }}",
            },
        }),
    };

    public static JsonObject Event(string issueKey, string summary, string eventType = "avi:jira:updated:issue", string? timestamp = null) => new()
    {
        ["eventType"] = eventType,
        ["timestamp"] = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["atlassianId"] = "5b10ac8d82e05b22cc7d4ef5",
        ["issue"] = new JsonObject
        {
            ["id"] = "10" + issueKey.Split('-')[1],
            ["key"] = issueKey,
            ["fields"] = new JsonObject
            {
                ["summary"] = summary,
                ["description"] = "Details: " + summary,
                ["storyPoints"] = 5,
                ["priority"] = new JsonObject { ["name"] = "High" },
                ["issuetype"] = new JsonObject { ["name"] = "Bug" },
                ["project"] = new JsonObject { ["key"] = issueKey.Split('-')[0] },
            },
        },
        ["changelog"] = new JsonObject
        {
            ["id"] = "777",
            ["items"] = new JsonArray(new JsonObject { ["field"] = "status", ["fieldId"] = "status", ["fromString"] = "In Progress", ["toString"] = "Done" }),
        },
    };

    public static string Canary(string what) => $"CANARY-{what}-{Guid.NewGuid():N}";
}
