using System.Text;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Events;

/// <summary>
/// The plain text of an Atlassian Document Format node (comment bodies arrive as ADF:
/// https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/): text leaves in order, a line break
/// for <c>hardBreak</c>, a blank line between blocks, a mention's or emoji's display text, a date node's day
/// (<c>yyyy-MM-dd</c>, from its millisecond timestamp). Any other shape reads as
/// its string value or as empty; it never throws.
/// </summary>
internal static class AdfText
{
    private static readonly HashSet<string> Blocks = new(StringComparer.Ordinal)
    {
        "paragraph", "heading", "blockquote", "codeBlock", "listItem", "panel", "rule", "table", "tableRow", "mediaSingle",
    };

    public static string Of(JsonNode? node)
    {
        if (JiraEvent.Text(node) is { } plain)
        {
            return plain;
        }

        var text = new StringBuilder();
        Append(node, text, 0);
        return text.ToString().Trim('\n');
    }

    private static void Append(JsonNode? node, StringBuilder text, int depth)
    {
        if (node is not JsonObject obj || depth > 64)
        {
            return;
        }

        var type = JiraEvent.Text(JiraEvent.Child(obj, "type"));
        switch (type)
        {
            case "text":
                text.Append(JiraEvent.Text(JiraEvent.Child(obj, "text")));
                return;
            case "hardBreak":
                text.Append('\n');
                return;
            case "date":
                // attrs.timestamp: a UNIX timestamp in milliseconds, as a string; Jira shows the day (UTC).
                var stamp = JiraEvent.Text(JiraEvent.Child(JiraEvent.Child(obj, "attrs"), "timestamp"));
                if (long.TryParse(stamp, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var ms)
                    && ms is >= -62_135_596_800_000 and <= 253_402_300_799_999)
                {
                    text.Append(DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                }

                return;
            case "blockCard" or "embedCard":
                // A link pasted on a line of its own becomes a block card: its text is the link (attrs.url).
                text.Append(JiraEvent.Text(JiraEvent.Child(JiraEvent.Child(obj, "attrs"), "url")));
                if (text.Length == 0 || text[^1] != '\n')
                {
                    text.Append('\n');
                }

                return;
            case "mention" or "emoji" or "status" or "inlineCard":
                var attrs = JiraEvent.Child(obj, "attrs");
                text.Append(JiraEvent.Text(JiraEvent.Child(attrs, "text")) ?? JiraEvent.Text(JiraEvent.Child(attrs, "url"))
                    ?? (type == "emoji" ? JiraEvent.Text(JiraEvent.Child(attrs, "shortName")) : null) ?? string.Empty); // emoji: text is optional, shortName required
                return;
        }

        if (JiraEvent.Child(obj, "content") is JsonArray content)
        {
            foreach (var child in content)
            {
                Append(child, text, depth + 1);
            }
        }

        if (type is not null && Blocks.Contains(type) && (text.Length == 0 || text[^1] != '\n'))
        {
            text.Append('\n');
        }
    }
}
