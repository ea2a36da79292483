namespace BluBees.Cli.Commands;

internal static class DevCommands
{
    public static async Task<int> TokenAsync(CliArgs cli)
    {
        using var backend = new BackendClient(cli);
        Console.WriteLine(await backend.TokenAsync());
        return 0;
    }
}
