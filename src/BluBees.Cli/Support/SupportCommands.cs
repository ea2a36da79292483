using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace BluBees.Cli.Support;

/// <summary>
/// <c>blubees support runs|run</c>: a support engineer reads a tenant's run log (metadata only) while the tenant
/// has granted access. Output and environment are parameters so the tests run the commands in-process.
/// </summary>
internal static class SupportCommands
{
    private static readonly JsonSerializerOptions Pretty = Commands.Output.Pretty;

    // Results on standard output, errors on standard error (as every other command).
    public static Task<int> RunsAsync(CliArgs cli) => RunsAsync(cli, Console.Out, Environment.GetEnvironmentVariable, error: Console.Error);

    public static Task<int> RunAsync(CliArgs cli) => RunAsync(cli, Console.Out, Environment.GetEnvironmentVariable, error: Console.Error);

    /// <summary>Options both commands read; <c>--token</c> only to refuse it with its own message (<see cref="SupportClient"/>).</summary>
    private static readonly string[] CommonOptions = ["tenant", "token-env", "token", "url"];

    internal static async Task<int> RunsAsync(CliArgs cli, TextWriter output, Func<string, string?> environment, HttpMessageHandler? handler = null, TextWriter? error = null)
    {
        // A mistyped filter must not read the tenant's runs unfiltered.
        cli.RequireOnly("support runs", positionals: 2, [.. CommonOptions, "status", "rule", "from", "to", "limit", "cursor"], ["json"]);
        using var client = new SupportClient(cli, environment, handler);
        var query = new List<string>();
        foreach (var (option, parameter) in new[] { ("status", "status"), ("rule", "ruleId"), ("from", "from"), ("to", "to"), ("limit", "limit"), ("cursor", "cursor") })
        {
            if (cli.Option(option) is { } value)
            {
                query.Add(parameter + "=" + Uri.EscapeDataString(value));
            }
        }

        var (status, body) = await client.GetAsync("runs" + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query)));
        if (status != 200)
        {
            return Fail(error ?? output, client, status, body);
        }

        if (cli.Flag("json"))
        {
            output.WriteLine(body?.ToJsonString(Pretty));
            return 0;
        }

        var items = body?["items"] as JsonArray ?? [];
        if (items.Count == 0)
        {
            output.WriteLine("No runs match.");
            return 0;
        }

        SupportTable.Write(output, items);
        if (body?["nextCursor"]?.ToString() is { Length: > 0 } next)
        {
            output.WriteLine($"More runs: add --cursor {next}");
        }

        return 0;
    }

    internal static async Task<int> RunAsync(CliArgs cli, TextWriter output, Func<string, string?> environment, HttpMessageHandler? handler = null, TextWriter? error = null)
    {
        cli.RequireOnly("support run", positionals: 3, CommonOptions, []);
        var runId = cli.At(2, "run id (blubees support run RUN_ID --tenant ID --token-env VAR)");
        using var client = new SupportClient(cli, environment, handler);
        var (status, body) = await client.GetAsync("runs/" + Uri.EscapeDataString(runId));
        if (status != 200)
        {
            return Fail(error ?? output, client, status, body);
        }

        output.WriteLine(body?.ToJsonString(Pretty));
        return 0;
    }

    /// <summary>Says what went wrong and what to do about it; exit code 1.</summary>
    private static int Fail(TextWriter output, SupportClient client, int status, JsonNode? problem)
    {
        var detail = problem?["detail"]?.ToString();
        var message = (status, problem?["reason"]?.ToString()) switch
        {
            (401, _) => $"the support token was refused ({detail ?? "not valid"}). Sign in to the company identity provider again and export a fresh token in {client.TokenVariable}.",
            (403, "no_grant") => "no active support grant for this tenant; ask the tenant admin to grant access.",
            (403, "mfa_missing") => "your support token does not show multi-factor authentication; sign in again with MFA.",
            (403, "mfa_too_old") => $"your multi-factor sign-in is too old (or the token has no auth_time); sign in again with MFA and export a fresh token in {client.TokenVariable}.",
            (403, "role_missing") => "your support token lacks the support role; ask for it at the identity provider.",
            (404, _) => $"not found: {detail ?? "no such run"}",
            _ => $"the backend answered {status}: {detail ?? problem?["title"]?.ToString() ?? "no details"}",
        };
        output.WriteLine("error: " + message);
        if (problem?["errors"] is JsonObject errors)
        {
            foreach (var (field, messages) in errors)
            {
                output.WriteLine($"  {field}: {string.Join("; ", (messages as JsonArray ?? []).Select(m => m?.ToString()))}");
            }
        }

        return 1;
    }
}
