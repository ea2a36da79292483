namespace BluBees.Cli.Commands;

internal static class DevCommands
{
    public static async Task<int> TokenAsync(CliArgs cli)
    {
        using var backend = new BackendClient(cli);
        // Each route accepts only tokens for its own manifest module: --route names the route the token is for.
        Console.WriteLine(await backend.TokenAsync(cli.Option("route", "/api")));
        return 0;
    }
}
