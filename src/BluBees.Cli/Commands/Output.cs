using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace BluBees.Cli.Commands;

internal static class Output
{
    /// <summary>Indented, and readable: no \u-escapes for '+', quotes or non-ASCII (it is printed, never embedded in HTML).</summary>
    public static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Prints a backend answer; non-2xx answers print their ProblemDetails and give exit code 1.</summary>
    public static int Result(int status, JsonNode? body)
    {
        if (status is >= 200 and < 300)
        {
            Console.WriteLine(body?.ToJsonString(Pretty) ?? $"{status}");
            return 0;
        }

        Terminal.Error($"[red]{status}[/] ", $"{body?["title"]?.ToString() ?? "error"}: {body?["detail"]?.ToString() ?? string.Empty}");
        if (body?["errors"] is JsonObject errors)
        {
            foreach (var (field, messages) in errors)
            {
                // A list of messages (the backend's shape); a value of another kind is printed as it came.
                foreach (var message in messages is JsonArray list ? (IEnumerable<JsonNode?>)list : [messages])
                {
                    Terminal.Error($"  [yellow]{Markup.Escape(field)}[/]", $": {message?.ToString()}");
                }
            }
        }

        return 1;
    }

    /// <summary>
    /// A definition file: its root must be a JSON object (an array, a string or null is a usage error, not a crash), and
    /// every string in it readable text (<see cref="JsonText"/>).
    /// </summary>
    public static JsonObject ReadJsonFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException($"'{path}' is a directory: give the definition's JSON file.");
        }

        if (!File.Exists(path))
        {
            throw new CliException($"File '{path}' does not exist.");
        }

        try
        {
            // A property named twice is refused here, as the backend does: a JsonObject would throw an unhandled
            // ArgumentException at the first read of it instead (a stack trace, exit 134).
            // Scanned first: a property name that is not text throws from the parse's own duplicate check too.
            var text = File.ReadAllText(path);
            if (JsonText.FirstUnreadableLine(text) is { } line)
            {
                throw new CliException($"File '{path}' has a string that is not text on line {line}: a lone surrogate escape (\\ud800 to \\udfff without its pair) stands for no character. Remove it or write the character itself.");
            }

            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new CliException($"File '{path}' must hold one JSON object (a definition), not an array, a value or null.");
        }
        catch (JsonException ex)
        {
            throw new CliException($"File '{path}' is not valid JSON: {ex.Message}");
        }
    }
}
