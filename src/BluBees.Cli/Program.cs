using BluBees.Cli;
using BluBees.Cli.Commands;
using Spectre.Console;

var cli = new CliArgs(args);
Terminal.Configure();
try
{
    return await Dispatch(cli);
}
catch (CliException ex)
{
    Terminal.Error("[red]error:[/] ", ex.Message);
    return 2;
}
catch (HttpRequestException ex)
{
    Terminal.Error("[red]error:[/] ", $"cannot reach the backend ({ex.Message}). Start it with: dotnet run --project src/BluBees.Api");
    return 2;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    // A file the command was given (a backup, a key file, an output path) that cannot be read or written.
    Terminal.Error("[red]error:[/] ", ex.Message);
    return 2;
}
catch (TaskCanceledException)
{
    Terminal.Error("[red]error:[/] ", "the backend did not answer within 30 seconds.");
    return 2;
}
catch (Exception ex)
{
    return UnexpectedFailure.Report(ex, Terminal.Error);
}

static Task<int> Dispatch(CliArgs cli)
{
    DevelopmentOptions.Check(cli);
    return Route(cli);
}

static Task<int> Route(CliArgs cli) => (cli.Positional.ElementAtOrDefault(0), cli.Positional.ElementAtOrDefault(1)) switch
{
    (null, _) or ("help", _) => Task.FromResult(Help.Print(Console.Out)),
    // The operator commands print their own, longer usage (OperatorCommands.Usage) for --help, before touching a store.
    _ when (cli.Flag("help") || cli.Flag("h")) && cli.Positional.ElementAtOrDefault(0) is not ("keys" or "backup" or "tenants") => Task.FromResult(Help.Print(Console.Out)),
    ("token", _) => DevCommands.TokenAsync(cli),
    ("event", "send") => EventCommands.SendAsync(cli),
    ("connection", "create") => ConfigCommands.CreateConnectionAsync(cli),
    ("connection", "list") => ConfigCommands.ListAsync(cli, "/api/connections"),
    ("rule", "create") => ConfigCommands.CreateRuleAsync(cli),
    ("rule", "list") => ConfigCommands.ListAsync(cli, "/api/rules"),
    ("rule", "dry-run") => EventCommands.DryRunAsync(cli),
    ("rule", "why") => RuleWhyCommand.RunAsync(cli),
    ("runs", "show") => RunCommands.ShowAsync(cli),
    ("runs", null) => RunCommands.ListAsync(cli),
    ("sink", _) => SinkCommand.RunAsync(cli),
    ("jira", _) => DevJiraCommand.RunAsync(cli),
    ("support", "runs") => BluBees.Cli.Support.SupportCommands.RunsAsync(cli),
    ("support", "run") => BluBees.Cli.Support.SupportCommands.RunAsync(cli),
    ("keys", "rotate") => BluBees.Cli.Operator.OperatorCommands.KeysRotateAsync(cli),
    ("keys", "retire") => BluBees.Cli.Operator.OperatorCommands.KeysRetireAsync(cli),
    ("backup", "export") => BluBees.Cli.Operator.OperatorCommands.BackupExportAsync(cli),
    ("backup", "restore") => BluBees.Cli.Operator.OperatorCommands.BackupRestoreAsync(cli),
    ("tenants", "list") => BluBees.Cli.Operator.OperatorCommands.TenantsListAsync(cli),
    ("tenants", "erase") => BluBees.Cli.Operator.OperatorCommands.TenantsEraseAsync(cli),
    _ => Task.FromResult(Help.Unknown(cli.Positional, Console.Error)),
};
