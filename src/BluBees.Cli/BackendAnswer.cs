using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Cli;

/// <summary>
/// Reads a server's answer as the CLI's commands expect it: every BluBees answer, error or not, is one JSON object, with
/// each property named once and every string readable text. Anything else did not come from a BluBees backend (another
/// server at --url, a proxy) and is refused here, once, for every command: read as it came, a non-object root, a name
/// given twice or a lone surrogate escape threw later, at the command's first read of it (an unhandled exception, a
/// stack trace, exit 134).
/// </summary>
internal static class BackendAnswer
{
    /// <summary>The answer's object; null when the text is not such an object.</summary>
    public static JsonObject? Parse(string text)
    {
        try
        {
            return JsonText.FirstUnreadableLine(text) is null
                ? JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
