using System.Globalization;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Conditions;

/// <summary>
/// A parsed field path into the run scope: <c>issue.fields.priority.name</c>, <c>issue.fields.labels[0]</c>,
/// <c>steps.lookup.body["x-id"]</c>. Parsed once at compile time.
/// </summary>
internal sealed class ScopePath
{
    private readonly object[] _segments;

    private ScopePath(string text, object[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    /// <summary>Names (string) and indexes (int), in order; for the save-time warnings.</summary>
    public IReadOnlyList<object> Segments => _segments;

    public static ScopePath? Parse(string text, out string? error)
    {
        error = null;
        var segments = new List<object>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                if (close < 0)
                {
                    error = $"unclosed '[' at position {i + 1}";
                    return null;
                }

                var inner = text[(i + 1)..close].Trim();
                if (inner.Length >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[^1] == inner[0])
                {
                    segments.Add(inner[1..^1]);
                }
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(index);
                }
                else
                {
                    error = $"'[{inner}]' must be a number or a quoted name";
                    return null;
                }

                i = close + 1;
                if (i < text.Length && text[i] == '.')
                {
                    i++;
                }

                continue;
            }

            var end = i;
            while (end < text.Length && text[end] != '.' && text[end] != '[')
            {
                end++;
            }

            var name = text[i..end];
            if (name.Length == 0 || !name.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '$'))
            {
                error = $"'{name}' is not a valid field name";
                return null;
            }

            segments.Add(name);
            i = end < text.Length && text[end] == '.' ? end + 1 : end;
        }

        if (segments.Count == 0 || text.EndsWith('.'))
        {
            error = segments.Count == 0 ? "the field path is empty" : "the field path ends with '.'";
            return null;
        }

        return new ScopePath(text, [.. segments]);
    }

    public JsonNode? Resolve(JsonNode? root)
    {
        var node = root;
        foreach (var segment in _segments)
        {
            node = (segment, node) switch
            {
                (string name, JsonObject obj) => obj[name],
                (int index, JsonArray arr) => index < arr.Count ? arr[index] : null,
                (string name, JsonArray arr) => Mapped(arr, name),
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>
    /// A name through a list reads that property of every item, as a template path does and as Jira's smart values do
    /// (<c>{{issue.fixVersions.name}}</c>: https://support.atlassian.com/jira-core-cloud/docs/smart-values-lists/):
    /// <c>issue.fields.fixVersions.name</c> is the list of the names. An item without it adds nothing, a list item adds
    /// its own items' properties (one flat list), and a list with no item that has it reads as missing (null).
    /// </summary>
    private static JsonArray? Mapped(JsonArray items, string name)
    {
        JsonArray? mapped = null;
        foreach (var item in items)
        {
            var value = item switch
            {
                JsonObject obj => obj[name],
                JsonArray inner => Mapped(inner, name),
                _ => null,
            };
            if (value is null || value.GetValueKind() == System.Text.Json.JsonValueKind.Null)
            {
                continue;
            }

            mapped ??= [];
            if (item is JsonArray && value is JsonArray flat)
            {
                foreach (var each in flat.ToList())
                {
                    flat.Remove(each);
                    mapped.Add(each);
                }
            }
            else
            {
                mapped.Add(value.DeepClone());
            }
        }

        return mapped;
    }
}
