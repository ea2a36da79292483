using Spectre.Console;

namespace BluBees.Cli;

/// <summary>Console settings that depend on where the output goes.</summary>
internal static class Terminal
{
    /// <summary>Piped or redirected output has no width to wrap to: tables keep one line per row.</summary>
    public const int RedirectedWidth = 4096;

    /// <summary>Standard error, styled like standard output: errors go here, so a script that reads a command's output gets only its result.</summary>
    private static readonly Lazy<IAnsiConsole> ErrorConsole = new(() =>
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    });

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
    public static void Line(string markupPrefix, string text) => Line(AnsiConsole.Console, markupPrefix, text);

    /// <summary>Like <see cref="Line(string, string)"/>, on standard error.</summary>
    public static void Error(string markupPrefix, string text) => Line(ErrorConsole.Value, markupPrefix, text);

    private static void Line(IAnsiConsole console, string markupPrefix, string text)
    {
        console.Markup(markupPrefix);
        console.Write(new Text(text));
        console.WriteLine();
    }
}
