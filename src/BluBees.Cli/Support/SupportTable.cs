using System.Text.Json.Nodes;
using Spectre.Console;

namespace BluBees.Cli.Support;

/// <summary>The run list as a table (plain text when the output is not the terminal).</summary>
internal static class SupportTable
{
    public static void Write(TextWriter output, JsonArray runs)
    {
        var console = ReferenceEquals(output, Console.Out)
            ? AnsiConsole.Console
            : AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(output),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
        if (!ReferenceEquals(output, Console.Out))
        {
            console.Profile.Width = 200;
        }

        var table = new Table().AddColumns("Run", "Started (UTC)", "Rule", "v", "Event", "Issue", "Status", "ms", "Steps");
        foreach (var run in runs.OfType<JsonObject>())
        {
            var steps = string.Join(", ", (run["steps"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(s => $"{s["id"]}:{s["statusCode"]?.ToString() ?? s["errorCategory"]?.ToString() ?? s["status"]?.ToString()}"));
            var status = run["status"]?.ToString() ?? "-";
            table.AddRow(
                Markup.Escape(run["id"]?.ToString() ?? "-"), Markup.Escape(run["startedAt"]?.ToString() ?? "-"), Markup.Escape(run["ruleId"]?.ToString() ?? "-"),
                Markup.Escape(run["ruleVersion"]?.ToString() ?? "-"), Markup.Escape(run["eventType"]?.ToString() ?? "-"), Markup.Escape(run["issueKey"]?.ToString() ?? "-"),
                status == "succeeded" ? "[green]succeeded[/]" : $"[red]{Markup.Escape(status)}[/]",
                Markup.Escape(run["durationMs"]?.ToString() ?? "-"), Markup.Escape(steps));
        }

        console.Write(table);
    }
}
