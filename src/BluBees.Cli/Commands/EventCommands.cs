using System.Text.Json.Nodes;

namespace BluBees.Cli.Commands;

internal static class EventCommands
{
    public static async Task<int> SendAsync(CliArgs cli)
    {
        var kind = cli.At(2, "event kind (created, updated, commented or deleted)");
        var evt = SampleEvents.Create(kind, cli.Option("issue", "OPS-42"), DateTimeOffset.UtcNow, cli.Option("summary"));
        // Forge sends the app's system token with every remote event when the manifest asks for it
        // (remotes[].auth.appSystemToken); jira.* steps act with it. `blubees jira` accepts the same default.
        var headers = cli.Flag("no-system-token")
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["x-forge-oauth-system"] = HeaderToken(cli.Option("system-token", DevJira.DefaultSystemToken)) };
        using var backend = new BackendClient(cli);
        var (status, body) = await backend.SendAsync(HttpMethod.Post, "/forge/events", evt, headers);
        if (status is >= 200 and < 300)
        {
            var next = body?["status"]?.ToString() == "filtered"
                ? "No enabled rule could match it, so nothing was queued (blubees rule list; blubees rule why RULE)."
                : "See the run with: blubees runs";
            Console.WriteLine($"{evt["eventType"]} for {evt["issue"]?["key"]}: {body?["status"]} (HTTP {status}). {next}");
            return 0;
        }

        return Output.Result(status, body);
    }

    /// <summary>
    /// The token as a header value: printable ASCII without spaces, as a bearer token is (RFC 6750 §2.1). Anything else
    /// could not be sent, and HttpClient's refusal read "Cannot reach the backend", naming neither the option nor the fix.
    /// The value is never shown: it is a credential.
    /// </summary>
    private static string HeaderToken(string token)
        => token.Length > 0 && token.All(c => c is > ' ' and < '\x7f')
            ? token
            : throw new CliException("--system-token must be printable ASCII without spaces (a token as Forge sends it), and not empty; leave it out for the development default, or use --no-system-token.");

    public static async Task<int> DryRunAsync(CliArgs cli)
    {
        var ruleId = cli.At(2, "rule id");
        var kind = cli.Positional.ElementAtOrDefault(3) ?? "updated";
        using var backend = new BackendClient(cli);
        var (status, body) = await backend.SendAsync(HttpMethod.Post, $"/api/rules/{Uri.EscapeDataString(ruleId)}/dry-run",
            new JsonObject { ["event"] = SampleEvents.Create(kind, cli.Option("issue", "OPS-42"), DateTimeOffset.UtcNow) });
        return Output.Result(status, body);
    }
}
