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

    /// <summary>
    /// A line of a styled prefix (markup) and plain text. The text is never parsed as markup: besides brackets, markup
    /// turns emoji codes into emoji, and ids such as <c>ari:cloud:ecosystem::…</c> would print as <c>ari☁️ecosystem::…</c>.
    /// </summary>
    public static void Line(string markupPrefix, string text)
    {
        AnsiConsole.Markup(markupPrefix);
        AnsiConsole.Write(new Text(text));
        AnsiConsole.WriteLine();
    }
}
