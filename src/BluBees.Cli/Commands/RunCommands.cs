using System.Text.Json.Nodes;
using Spectre.Console;

namespace BluBees.Cli.Commands;

internal static class RunCommands
{
    public static async Task<int> ListAsync(CliArgs cli)
    {
        var query = new List<string>();
        if (cli.Option("rule") is { } rule)
        {
            query.Add("ruleId=" + Uri.EscapeDataString(rule));
        }

        if (cli.Option("status") is { } status)
        {
            query.Add("status=" + Uri.EscapeDataString(status));
        }

        query.Add("limit=" + Uri.EscapeDataString(cli.Option("limit", "20")));
        using var backend = new BackendClient(cli);
        var (code, body) = await backend.SendAsync(HttpMethod.Get, "/api/runs?" + string.Join('&', query));
        if (code != 200 || cli.Flag("json"))
        {
            return Output.Result(code, body);
        }

        var items = body?["items"] as JsonArray ?? [];
        if (items.Count == 0)
        {
            Console.WriteLine("No runs yet. Send an event with: blubees event send updated");
            return 0;
        }

        var table = new Table().AddColumns("Run", "Started (UTC)", "Rule", "v", "Event", "Issue", "Status", "ms", "Steps");
        foreach (var run in items.OfType<JsonObject>())
        {
            var steps = string.Join(", ", (run["steps"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(s => $"{s["id"]}:{s["statusCode"]?.ToString() ?? s["errorCategory"]?.ToString() ?? s["status"]?.ToString()}"));
            // Each value as its text, "-" when absent: a run of another shape (another server at --url) is shown, not a crash.
            string Text(string name) => Markup.Escape(run[name]?.ToString() ?? "-");
            table.AddRow(
                Text("id"), Text("startedAt"), Text("ruleId"), Text("ruleVersion"), Text("eventType"), Text("issueKey"),
                run["status"]?.ToString() == "succeeded" ? "[green]succeeded[/]" : $"[red]{Text("status")}[/]",
                Text("durationMs"), Markup.Escape(steps));
        }

        AnsiConsole.Write(table);
        return 0;
    }

    public static async Task<int> ShowAsync(CliArgs cli)
    {
        using var backend = new BackendClient(cli);
        var (code, body) = await backend.SendAsync(HttpMethod.Get, "/api/runs/" + Uri.EscapeDataString(cli.At(2, "run id")));
        return Output.Result(code, body);
    }
}
