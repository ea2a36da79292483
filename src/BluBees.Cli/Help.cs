namespace BluBees.Cli;

internal static class Help
{
    public static int Print()
    {
        Console.WriteLine("""
            blubees — BluBees operator and developer tool

            Development (talks to a backend running in development mode; default --url http://127.0.0.1:5080):
              token [--tenant ID] [--account ID] [--route PATH]  print a development Forge Invocation Token for a route
                                                            (default /api; /forge/* routes get their module and no user)
              event send created|updated|commented          send a realistic Jira event to /forge/events
                    [--issue OPS-42] [--summary TEXT]
              connection create FILE.json | connection list
              rule create FILE.json | rule list             steps may name a connection by its name
              rule dry-run RULE_ID created|updated|commented
              runs [--rule ID] [--status S] [--limit N]     the tenant's recent runs (metadata only)
              runs show RUN_ID
              sink [--port 5090]                            a loopback "third-party API" that prints what it receives

            Support staff (token from the company identity provider, read from an environment variable):
              support runs --tenant ID --token-env VAR [--status S] [--rule ID] [--limit N] [--json]
              support run RUN_ID --tenant ID --token-env VAR

            Common options:
              --url URL          backend base URL (or env BLUBEES_URL)
              --data-dir DIR     where the backend keeps its data (default .data); the development key is read from it
              --tenant ID        the installation id to act as (default: the development tenant)
            """);
        return 0;
    }
}
