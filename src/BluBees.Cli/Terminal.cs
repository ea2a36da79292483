using Spectre.Console;

namespace BluBees.Cli;

/// <summary>Console settings that depend on where the output goes.</summary>
internal static class Terminal
{
    /// <summary>Piped or redirected output has no width to wrap to: tables keep one line per row.</summary>
    public const int RedirectedWidth = 4096;

    public static void Configure()
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = RedirectedWidth;
        }
    }
}
