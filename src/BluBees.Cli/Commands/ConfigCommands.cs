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
        if (body["steps"] is JsonArray steps && steps.Any(s => s?["connection"] is JsonValue v && !v.ToString().StartsWith("conn_", StringComparison.Ordinal)))
        {
            var (listStatus, list) = await backend.SendAsync(HttpMethod.Get, "/api/connections");
            if (listStatus != 200)
            {
                return Output.Result(listStatus, list);
            }

            var byName = (list?["items"] as JsonArray ?? []).OfType<JsonObject>()
                .GroupBy(c => c["name"]!.ToString(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First()["id"]!.ToString(), StringComparer.OrdinalIgnoreCase);
            foreach (var step in steps.OfType<JsonObject>())
            {
                if (step["connection"]?.ToString() is { } name && !name.StartsWith("conn_", StringComparison.Ordinal))
                {
                    step["connection"] = byName.TryGetValue(name, out var id)
                        ? id
                        : throw new CliException($"No connection named '{name}'. Create it first: blubees connection create samples/connection.json");
                }
            }
        }

        var (status, result) = await backend.SendAsync(HttpMethod.Post, "/api/rules", body);
        return Output.Result(status, result);
    }

    public static async Task<int> ListAsync(CliArgs cli, string path)
    {
        using var backend = new BackendClient(cli);
        var (status, result) = await backend.SendAsync(HttpMethod.Get, path);
        return Output.Result(status, result);
    }
}
