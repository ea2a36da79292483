namespace BluBees.Cli;

internal static class Help
{
    public const string Text = """
        blubees — BluBees operator and developer tool

        Development (talks to a backend running in development mode; default --url http://127.0.0.1:5080):
          token [--tenant ID] [--account ID] [--route PATH]
                                                        print a development Forge Invocation Token for a route
                                                        (default /api; /forge/* routes get their module and no user)
          event send created|updated|commented|deleted  send a realistic Jira event to /forge/events
                [--issue OPS-42] [--summary TEXT]       with the development system token, as Forge sends one
                [--system-token T | --no-system-token]  (default dev-system-token, what `jira` accepts)
          connection create FILE.json | connection list
          rule create FILE.json | rule list             steps may name a connection by its (unique) name
          rule dry-run RULE_ID created|updated|commented|deleted
          rule why RULE [--json]                        why didn't it run? recent events that reached the rule (id or
                                                        unique name) and the trigger filter or condition that failed
          runs [--rule ID] [--status S] [--limit N] [--json]
                                                        the tenant's recent runs (metadata only)
          runs show RUN_ID
          sink [--port 5090] [--show-body]              a loopback "third-party API" that prints what it receives
                                                        (method, path, size, header names; bodies only with --show-body)
          jira [--port 5091] [--system-token T]         a loopback development Jira for jira.* steps (issues in memory);
                                                        run the backend with Jira__ApiBaseUrlOverride=http://127.0.0.1:5091

        Operator (works on the store directly, with the backend's settings as environment variables):
          keys rotate [--retire] [--data-dir DIR]       new key-encryption key; re-wrap every tenant's data key
          keys retire [--data-dir DIR]                  remove the old local keys (refused while a data key uses one)
          backup export --tenant ID --out FILE (--passphrase-env VAR | --key-file FILE) [--data-dir DIR]
          backup restore --in FILE (--passphrase-env VAR | --key-file FILE) [--tenant ID] [--data-dir DIR]
          tenants list [--data-dir DIR]                 every tenant the store knows (id, cloud id, installed-at, state)
          tenants erase --tenant ID --confirm ID [--data-dir DIR]
                                                        erase a tenant as its uninstall does (one gone from Atlassian)

        Support staff (token from the company identity provider, read from an environment variable):
          support runs --tenant ID --token-env VAR [--status S] [--rule ID] [--from ISO] [--to ISO] [--limit N]
                [--cursor C] [--json]
          support run RUN_ID --tenant ID --token-env VAR

        Common options:
          --url URL          backend base URL, e.g. http://127.0.0.1:5081 (or env BLUBEES_URL; default http://127.0.0.1:5080)
          --data-dir DIR     the backend's data directory, for the development key (default: .data, then
                             src/BluBees.Api/.data, where `dotnet run --project src/BluBees.Api` keeps it)
          --tenant ID        the installation id to act as (default: the development tenant)

        Exit codes: 0 done, 1 the backend refused the request, 2 a usage or connection error (an option a command
        does not read, a value after a flag or an extra argument is a usage error naming it).
        """;

    public static int Print(TextWriter output)
    {
        output.WriteLine(Text);
        return 0;
    }

    /// <summary>An unknown command is a usage error: it says so on standard error and exits 2, so scripts notice.</summary>
    public static int Unknown(IReadOnlyList<string> positional, TextWriter error)
    {
        error.WriteLine($"error: unknown command '{string.Join(' ', positional)}'. Run 'blubees help' for the list of commands.");
        return 2;
    }
}
