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

    /// <summary>
    /// The document as Jira takes it: a text node's <c>text</c> must be a non-empty string ("text must not be empty":
    /// https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/text). A text leaf that is exactly one
    /// <c>{{ expression }}</c> keeps the value's JSON type, so <c>{{ issue.fields.assignee.displayName }}</c> on an
    /// unassigned issue sent <c>"text": null</c> and <c>{{ issue.fields.storyPoints }}</c> sent a number: Jira refused
    /// the write (<c>http_4xx</c>). A text node whose value is null or empty is left out; any other value is sent as its
    /// text. The rendered document is not changed; a copy is made only when something differs.
    /// </summary>
    public static JsonObject AsJiraText(JsonObject document)
    {
        if (!NeedsFix(document, 0))
        {
            return document;
        }

        var copy = document.DeepClone().AsObject();
        Fix(copy, 0);
        return copy;
    }

    private static bool IsText(JsonNode? node, out JsonObject text)
    {
        text = node as JsonObject ?? [];
        return node is JsonObject o && JiraValues.Text(o["type"]) == "text";
    }

    private static bool IsEmptyText(JsonObject text) => text["text"] switch
    {
        null => true,
        JsonValue v => v.GetValueKind() == System.Text.Json.JsonValueKind.Null || JiraValues.Text(v) is { Length: 0 },
        _ => false,
    };

    private static bool IsStringText(JsonObject text) => text["text"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String;

    private static bool NeedsFix(JsonObject node, int depth)
        => depth < 64 && node["content"] is JsonArray content
        && content.Any(child => IsText(child, out var t) ? IsEmptyText(t) || !IsStringText(t) : child is JsonObject o && NeedsFix(o, depth + 1));

    private static void Fix(JsonObject node, int depth)
    {
        if (depth >= 64 || node["content"] is not JsonArray content)
        {
            return;
        }

        for (var i = content.Count - 1; i >= 0; i--)
        {
            if (IsText(content[i], out var text))
            {
                if (IsEmptyText(text))
                {
                    content.RemoveAt(i);
                }
                else if (!IsStringText(text))
                {
                    text["text"] = text["text"]!.ToJsonString();
                }
            }
            else if (content[i] is JsonObject child)
            {
                Fix(child, depth + 1);
            }
        }
    }

    /// <summary>A value that is already a document: an object with <c>type: doc</c>.</summary>
    public static bool IsDocument(JsonNode? node) => node is JsonObject o && JiraValues.Text(o["type"]) == "doc";
}
