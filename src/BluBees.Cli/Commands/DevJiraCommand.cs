using System.Globalization;
using System.Runtime.InteropServices;

namespace BluBees.Cli.Commands;

/// <summary><c>blubees jira [--port 5091] [--system-token T]</c>: runs <see cref="DevJira"/> until Ctrl+C or SIGTERM.</summary>
internal static class DevJiraCommand
{
    public static async Task<int> RunAsync(CliArgs cli)
    {
        var port = PortOption(cli, 5091);

        // Until Ctrl+C (SIGINT) or SIGTERM (a service manager, a script's kill, CI's clean-up). Waiting for Ctrl+C
        // alone left it running after a kill: a background job of a non-interactive shell ignores SIGINT. The handlers
        // are in place before the server answers: a signal sent as soon as it answers (a script's clean-up, a test)
        // came before them, and a SIGINT that the shell had set to be ignored was lost, leaving the server running.
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopped.TrySetResult();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        await using var jira = await DevJira.StartAsync(port, cli.Option("system-token", DevJira.DefaultSystemToken), Console.Out);
        Console.WriteLine($"""
            Development Jira on {jira.Address} (Ctrl+C to stop). Start the backend against it:
              Jira__ApiBaseUrlOverride={jira.Address} dotnet run --project src/BluBees.Api
            then send events with the matching system token (the default): blubees event send updated
            """);
        await stopped.Task;
        return 0;
    }

    /// <summary>The <c>--port</c> of the CLI's loopback servers: a port number, or a usage error naming what was given.</summary>
    public static int PortOption(CliArgs cli, int fallback)
    {
        var portText = cli.Option("port", fallback.ToString(CultureInfo.InvariantCulture));
        return int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new CliException($"--port must be a port number from 1 to 65535, not '{portText}'.");
    }
}
