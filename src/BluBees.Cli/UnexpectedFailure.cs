namespace BluBees.Cli;

/// <summary>
/// The last resort of every command: an exception no command expected ends it with one line on standard error and
/// exit code 70 (<c>EX_SOFTWARE</c>, sysexits.h), never a stack trace and exit 134. The line names the exception's type
/// only: its message can quote what the command read (a file's text, a backend's answer, a token). With
/// <c>BLUBEES_CLI_DEBUG=1</c> the whole exception follows, for a bug report.
/// </summary>
internal static class UnexpectedFailure
{
    public const int ExitCode = 70;

    public const string DebugVariable = "BLUBEES_CLI_DEBUG";

    public static int Report(Exception exception, Action<string, string> error, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        var debug = (environment ?? Environment.GetEnvironmentVariable)(DebugVariable) == "1";
        error("[red]error:[/] ", $"the command failed unexpectedly ({exception.GetType().Name}); nothing after that point was done. "
            + (debug ? Environment.NewLine + exception : $"Set {DebugVariable}=1 to see the details, and report it with the command you ran."));
        return ExitCode;
    }
}
