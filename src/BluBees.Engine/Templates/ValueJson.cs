using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// JSON encoding and JsonNode conversion of runtime values, written by hand so that depth and size are
/// bounded (scope data can be arbitrarily deep; System.Text.Json would recurse into it).
/// </summary>
internal static class ValueJson
{
    public static string Serialize(object? value, RenderContext ctx)
    {
        var buffer = new OutputBuffer(ctx.MaxChars, "a JSON value");
        Write(buffer, value, ctx, 0);
        return ctx.Checked(buffer.ToString());
    }

    private static void Write(OutputBuffer buffer, object? value, RenderContext ctx, int depth)
    {
        if (depth > TemplateLimits.MaxValueDepth)
        {
            throw TemplateFailure.Limit($"a JSON value is nested deeper than {TemplateLimits.MaxValueDepth} levels");
        }

        switch (value)
        {
            case null or SpecialValue:
                buffer.Append(value is null ? "null" : "\"\"");
                return;
            case string s:
                WriteString(buffer, s);
                return;
            case bool or long or double or NumberText:
                buffer.Append(Values.ScalarText(value)!);
                return;
            case JsonObject obj:
                buffer.Append('{');
                var first = true;
                foreach (var (key, node) in obj)
                {
                    buffer.Append(first ? "" : ",");
                    first = false;
                    WriteString(buffer, key);
                    buffer.Append(':');
                    WriteNode(buffer, node, ctx, depth + 1);
                }

                buffer.Append('}');
                return;
            case ForLoopState:
                buffer.Append("null");
                return;
        }

        var seq = Seq.Coerce(value);
        buffer.Append('[');
        for (long i = 0; i < seq.Count; i++)
        {
            buffer.Append(i == 0 ? "" : ",");
            if (value is RangeValue)
            {
                ctx.Step();
            }

            Write(buffer, seq[i], ctx, depth + 1);
        }

        buffer.Append(']');
    }

    /// <summary>Scope numbers keep their original text (no float round-trip).</summary>
    private static void WriteNode(OutputBuffer buffer, JsonNode? node, RenderContext ctx, int depth)
    {
        if (node is JsonValue number && number.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            buffer.Append(number.ToJsonString());
            return;
        }

        Write(buffer, Values.FromNode(node, ctx), ctx, depth);
    }

    private static void WriteString(OutputBuffer buffer, string s)
    {
        buffer.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': buffer.Append("\\\""); break;
                case '\\': buffer.Append("\\\\"); break;
                case '\n': buffer.Append("\\n"); break;
                case '\r': buffer.Append("\\r"); break;
                case '\t': buffer.Append("\\t"); break;
                case '\b': buffer.Append("\\b"); break;
                case '\f': buffer.Append("\\f"); break;
                case < ' ' or '\u2028' or '\u2029':
                    buffer.Append("\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: buffer.Append(c); break;
            }
        }

        buffer.Append('"');
    }

    /// <summary>A detached JsonNode copy of a value for value mode (never a node of the caller's scope).</summary>
    public static JsonNode? ToNode(object? value, RenderContext ctx, int depth = 0)
    {
        if (depth > TemplateLimits.MaxValueDepth)
        {
            throw TemplateFailure.Limit($"a value is nested deeper than {TemplateLimits.MaxValueDepth} levels");
        }

        switch (value)
        {
            case null or ForLoopState:
                return null;
            case SpecialValue:
                return JsonValue.Create("");
            case string s:
                return JsonValue.Create(s);
            case bool b:
                return JsonValue.Create(b);
            case long l:
                return JsonValue.Create(l);
            case double d:
                return JsonValue.Create(d);
            case NumberText n:
                return JsonValue.Create(JsonElement.Parse(n.Text)); // the number's own text (it came from JSON or is JSON grammar)
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, node) in obj)
                {
                    copy[key] = CloneNode(node, ctx, depth + 1);
                }

                return copy;
        }

        var seq = Seq.Coerce(value);
        var array = new JsonArray();
        for (long i = 0; i < seq.Count; i++)
        {
            if (value is RangeValue)
            {
                ctx.Step();
            }

            array.Add(value is JsonArray json ? CloneNode(json[(int)i], ctx, depth + 1) : ToNode(seq[i], ctx, depth + 1));
        }

        return array;
    }

    public static JsonNode? CloneNode(JsonNode? node, RenderContext ctx, int depth)
    {
        if (node is JsonValue leaf && leaf.GetValueKind() is not (System.Text.Json.JsonValueKind.Object or System.Text.Json.JsonValueKind.Array))
        {
            if (leaf.GetValueKind() == System.Text.Json.JsonValueKind.String)
            {
                ctx.ScanValue(Values.FromNode(leaf, ctx)); // copying a string scans it (the read is charged too)
            }

            return leaf.DeepClone();
        }

        return ToNode(Values.FromNode(node, ctx), ctx, depth);
    }
}
