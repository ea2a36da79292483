using System.Text.Json.Nodes;

namespace BluBees.Cli.Commands;

/// <summary>Connections and rules from JSON files. A step may name its connection by name; it is resolved to its id.</summary>
internal static class ConfigCommands
{
    public static async Task<int> CreateConnectionAsync(CliArgs cli)
    {
        var body = Output.ReadJsonFile(cli.At(2, "connection JSON file"));
        using var backend = new BackendClient(cli);
        var (status, result) = await backend.SendAsync(HttpMethod.Post, "/api/connections", body);
        return Output.Result(status, result);
    }

    public static async Task<int> CreateRuleAsync(CliArgs cli)
    {
        var body = Output.ReadJsonFile(cli.At(2, "rule JSON file"));
        using var backend = new BackendClient(cli);
        if (body["steps"] is JsonArray steps && steps.Any(s => s is JsonObject step && step["connection"] is JsonValue v && !v.ToString().StartsWith("conn_", StringComparison.Ordinal)))
        {
            var (listStatus, list) = await backend.SendAsync(HttpMethod.Get, "/api/connections");
            if (listStatus != 200)
            {
                return Output.Result(listStatus, list);
            }

            var byName = (list?["items"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(c => c["name"] is JsonValue && c["id"] is JsonValue)
                .ToLookup(c => c["name"]!.ToString().Trim(), c => c["id"]!.ToString(), StringComparer.OrdinalIgnoreCase);
            foreach (var step in steps.OfType<JsonObject>())
            {
                if (step["connection"] is JsonValue value && value.ToString() is var name && !name.StartsWith("conn_", StringComparison.Ordinal))
                {
                    step["connection"] = ResolveConnection(byName, name);
                }
            }
        }

        var (status, result) = await backend.SendAsync(HttpMethod.Post, "/api/rules", body);
        return Output.Result(status, result);
    }

    /// <summary>
    /// A name must match exactly one connection: never silently the first of several. The backend keeps names unique
    /// (trimmed, ignoring case), so several matches only come from connections stored before that rule.
    /// </summary>
    public static string ResolveConnection(ILookup<string, string> byName, string name)
    {
        var ids = byName[name.Trim()].ToList();
        return ids.Count switch
        {
            1 => ids[0],
            0 => throw new CliException($"No connection named '{name}'. Create it first (blubees connection create FILE.json) or use its id (blubees connection list)."),
            _ => throw new CliException($"{ids.Count} connections are named '{name}' ({string.Join(", ", ids)}): use the id of the one you mean, or rename the others (names must be unique)."),
        };
    }

    public static async Task<int> ListAsync(CliArgs cli, string path)
    {
        using var backend = new BackendClient(cli);
        var (status, result) = await backend.SendAsync(HttpMethod.Get, path);
        return Output.Result(status, result);
    }
}
