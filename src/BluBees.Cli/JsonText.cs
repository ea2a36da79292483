using System.Text;
using System.Text.Json;

namespace BluBees.Cli;

/// <summary>
/// Finds a string of JSON text (a definition file, a server's answer) that is not text: a lone surrogate escape
/// (<c>"\ud800"</c>) is valid JSON syntax, but stands for no character, so reading the string throws. A
/// <see cref="System.Text.Json.Nodes.JsonNode"/> reads its strings lazily: without this check the throw came later, from
/// the command (an unhandled exception, a stack trace, exit 134).
/// </summary>
internal static class JsonText
{
    /// <summary>The 1-based line of the first property name or string value that cannot be read; null when all can.</summary>
    public static int? FirstUnreadableLine(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(utf8);
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.String))
            {
                continue;
            }

            try
            {
                _ = reader.GetString();
            }
            catch (InvalidOperationException)
            {
                return 1 + utf8.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
            }
        }

        return null;
    }
}
