namespace BluBees.Cli;

/// <summary>
/// What each development command reads (<c>blubees help</c>), checked before it runs: a mistyped option
/// (<c>event send updated --isue WEB-5</c>, <c>runs --stauts failed</c>) was ignored and the command ran without it.
/// The operator and support commands check their own (<see cref="CliArgs.RequireOnly"/>).
/// </summary>
internal static class DevelopmentOptions
{
    /// <summary>What every command that calls the backend reads (<see cref="BackendClient"/>).</summary>
    private static readonly string[] Backend = ["url", "data-dir", "tenant", "account", "module", "app-id"];

    private static readonly Dictionary<string, (int Positionals, string[] Options, string[] Flags)> Commands = new(StringComparer.Ordinal)
    {
        ["token"] = (1, [.. Backend, "route"], []),
        ["event send"] = (3, [.. Backend, "issue", "summary", "system-token"], ["no-system-token"]),
        ["connection create"] = (3, Backend, []),
        ["connection list"] = (2, Backend, []),
        ["rule create"] = (3, Backend, []),
        ["rule list"] = (2, Backend, []),
        ["rule dry-run"] = (4, [.. Backend, "issue"], []),
        ["rule why"] = (3, Backend, ["json"]),
        ["runs show"] = (3, Backend, []),
        ["runs"] = (1, [.. Backend, "rule", "status", "limit"], ["json"]),
        ["sink"] = (1, ["port"], ["show-body"]),
        ["jira"] = (1, ["port", "system-token"], []),
    };

    public static void Check(CliArgs cli)
    {
        if (cli.Flag("help") || cli.Flag("h"))
        {
            return;
        }

        var first = cli.Positional.ElementAtOrDefault(0);
        var two = $"{first} {cli.Positional.ElementAtOrDefault(1)}";
        var command = Commands.ContainsKey(two) ? two : first is "token" or "sink" or "jira" || (first == "runs" && cli.Positional.Count < 2) ? first : null;
        if (command is not null)
        {
            var (positionals, options, flags) = Commands[command];
            cli.RequireOnly(command, positionals, options, flags);
        }
    }
}
