using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Jira;

/// <summary>Atlassian Document Format: the rich-text shape Jira's v3 API wants for comments and descriptions.</summary>
internal static class Adf
{
    /// <summary>Plain text to a document: blank lines separate paragraphs, single line breaks become hard breaks.</summary>
    public static JsonObject FromText(string text)
    {
        var content = new JsonArray();
        var paragraphs = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var paragraph in paragraphs)
        {
            var inline = new JsonArray();
            var lines = paragraph.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (i > 0)
                {
                    inline.Add(new JsonObject { ["type"] = "hardBreak" });
                }

                if (lines[i].Length > 0)
                {
                    inline.Add(new JsonObject { ["type"] = "text", ["text"] = lines[i] });
                }
            }

            content.Add(new JsonObject { ["type"] = "paragraph", ["content"] = inline });
        }

        return new JsonObject { ["type"] = "doc", ["version"] = 1, ["content"] = content };
    }

    /// <summary>A value that is already a document: an object with <c>type: doc</c>.</summary>
    public static bool IsDocument(JsonNode? node) => node is JsonObject o && JiraValues.Text(o["type"]) == "doc";
}
