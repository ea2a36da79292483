using System.Globalization;
using System.Text.Json.Nodes;

namespace BluBees.Cli.Commands;

/// <summary>
/// <c>blubees rule why RULE</c>: "why didn't my rule run?" — the recent events that reached the rule without running
/// it, one plain-language line each (GET /api/rules/{id}/trace; metadata only). RULE is an id (rule_…) or a unique name.
/// </summary>
internal static class RuleWhyCommand
{
    public static async Task<int> RunAsync(CliArgs cli)
    {
        var rule = cli.At(2, "rule id or name");
        using var backend = new BackendClient(cli);
        var ruleId = rule;
        if (!rule.StartsWith("rule_", StringComparison.Ordinal))
        {
            var (listCode, list) = await backend.SendAsync(HttpMethod.Get, "/api/rules");
            if (listCode != 200)
            {
                return Output.Result(listCode, list);
            }

            ruleId = ResolveRule(list?["items"] as JsonArray ?? [], rule);
        }

        var (code, body) = await backend.SendAsync(HttpMethod.Get, $"/api/rules/{Uri.EscapeDataString(ruleId)}/trace");
        if (code != 200 || cli.Flag("json"))
        {
            return Output.Result(code, body);
        }

        var items = (body?["items"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (items.Count == 0)
        {
            Console.WriteLine("No recent event reached this rule without running it (entries expire with the run log).");
            return 0;
        }

        foreach (var entry in items)
        {
            Console.WriteLine(Describe(entry));
        }

        return 0;
    }

    /// <summary>A name must match exactly one rule: never silently the first of several.</summary>
    public static string ResolveRule(JsonArray rules, string name)
    {
        var ids = rules.OfType<JsonObject>()
            .Where(r => string.Equals(r["name"]?.ToString(), name, StringComparison.OrdinalIgnoreCase) && r["id"] is not null)
            .Select(r => r["id"]!.ToString()).ToList();
        return ids.Count switch
        {
            1 => ids[0],
            0 => throw new CliException($"No rule named '{name}'. List them with: blubees rule list"),
            _ => throw new CliException($"{ids.Count} rules are named '{name}' ({string.Join(", ", ids)}); use the id."),
        };
    }

    /// <summary>"Event 'issue updated' on OPS-12 at 2026-12-03 12:01 UTC: the trigger's project filter didn't match (trigger.projects, in)".</summary>
    public static string Describe(JsonObject entry)
    {
        var at = DateTimeOffset.TryParse(entry["at"]?.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC"
            : "an unknown time";
        var issue = entry["issueKey"]?.ToString() ?? entry["issueId"]?.ToString();
        var what = $"Event '{EventName(entry["eventType"]?.ToString(), entry["source"]?.ToString())}'" + (issue is null ? string.Empty : $" on {issue}") + $" at {at}";
        var path = entry["path"]?.ToString();
        var op = entry["operator"]?.ToString();
        return $"{what}: {Reason(entry["stage"]?.ToString(), path, op)}" + (path is null ? string.Empty : $" ({path}{(op is null ? string.Empty : ", " + op)})");
    }

    public static string EventName(string? eventType, string? source) => eventType switch
    {
        "avi:jira:created:issue" => "issue created",
        "avi:jira:updated:issue" => "issue updated",
        "avi:jira:deleted:issue" => "issue deleted",
        "avi:jira:assigned:issue" => "issue assigned",
        "avi:jira:commented:issue" => "issue commented",
        "avi:jira:deleted:comment" => "comment deleted",
        "avi:jira:mentioned:issue" => "issue mentioned",
        "blubees:schedule" => "schedule",
        null => source ?? "unknown",
        _ => eventType,
    };

    private static string Reason(string? stage, string? path, string? op) => (stage, path) switch
    {
        ("disabled", _) => "the rule is disabled",
        ("trigger", "trigger.projects") => "the trigger's project filter didn't match",
        ("trigger", "trigger.issueTypes") => "the trigger's issue type filter didn't match",
        ("trigger", "trigger.fieldChanged") => "the trigger's field-changed filter didn't match",
        ("trigger", _) => "the trigger didn't match",
        ("conditions", _) when op == "any" => "none of the conditions of an 'any' group passed",
        ("conditions", _) => "a condition didn't pass",
        ("schedule", _) => op switch
        {
            "jql_rejected" => "Jira refused the schedule's JQL, so nothing fired (correct the JQL and save the rule)",
            "system_token_missing" => "the scheduled trigger came without the app's Jira token, so the JQL was not searched",
            "system_token_refused" => "Jira refused the app's token, so the JQL was not searched",
            _ => "the schedule did not fire",
        },
        _ => "it did not run",
    };
}
