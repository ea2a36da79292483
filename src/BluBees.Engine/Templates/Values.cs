using System.Globalization;
using BluBees.Engine.Common;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// The runtime value model: nil (null), bool, long, double, <see cref="NumberText"/>, string, <see cref="JsonObject"/>, sequences
/// (<see cref="Seq"/>), <see cref="SpecialValue"/> and <see cref="ForLoopState"/>. Scope leaves
/// (<see cref="JsonValue"/>) are unwrapped to primitives when read.
/// </summary>
internal static class Values
{
    /// <summary>
    /// A scope node as a runtime value. Reading a string decodes it anew each time, so the read is charged to
    /// <paramref name="ctx"/> by its length (a loop that re-reads a huge field pays for every read).
    /// </summary>
    public static object? FromNode(JsonNode? node, RenderContext? ctx = null)
    {
        if (node is not JsonValue value)
        {
            return node;
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                var text = ReadString(value);
                ctx?.Scan(text.Length);
                return text;
            case JsonValueKind.Number:
                return ReadNumber(value.ToJsonString());
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Object or JsonValueKind.Array:
                var json = value.ToJsonString();
                ctx?.Scan(json.Length);
                return JsonNode.Parse(json);
            default:
                return null;
        }
    }

    private static string ReadString(JsonValue value)
    {
        try
        {
            return value.GetValue<string>();
        }
        catch (InvalidOperationException) when (value.TryGetValue<JsonElement>(out var element))
        {
            // An escaped lone surrogate ("\ud800") is valid JSON grammar that System.Text.Json will not read.
            return LenientJsonString.Decode(element.GetRawText());
        }
    }

    /// <summary>
    /// A scope number or a number literal: a long or double when that prints back as the same text (no allocation
    /// beyond the text), otherwise a <see cref="NumberText"/> that keeps it (<c>1.10</c>, <c>1e5</c>, digits beyond
    /// 64 bits, <c>1e400</c>).
    /// </summary>
    public static object ReadNumber(string json)
    {
        var number = ParseNumber(json);
        return number switch
        {
            long l when l != 0 || json.Length == 1 => number, // JSON has no '+' or leading zeros: only "-0" differs
            double d when PrintsAs(d, json) => number,
            NumberText => number,
            _ => new NumberText(json, number),
        };
    }

    /// <summary>
    /// A number from numeric text (a numeric string): long, double (also for integers beyond 64 bits, as Jira's
    /// number fields are), or a <see cref="NumberText"/> with no arithmetic value for a number outside double's
    /// range (never 0); 0 when the text is not a number at all (Liquid's rule for arithmetic on other strings).
    /// </summary>
    public static object ParseNumber(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real)
            ? real
            : DecimalText.ToJson(text) is { } json ? new NumberText(json, null) : 0L;
    }

    /// <summary>The long or double arithmetic works on; a runtime error naming <paramref name="filter"/> when there is none.</summary>
    public static object Arithmetic(object number, string filter) => number is NumberText n
        ? n.Value ?? throw TemplateFailure.Runtime($"filter '{filter}': the number is too large for arithmetic (beyond ±1.7976931348623157E+308)")
        : number;

    private static bool PrintsAs(double value, string text)
    {
        Span<char> buffer = stackalloc char[40];
        var format = double.IsInteger(value) && Math.Abs(value) < 1e16 ? "0.0" : "R";
        return value.TryFormat(buffer, out var written, format, CultureInfo.InvariantCulture)
            && buffer[..written].SequenceEqual(text);
    }

    public static bool IsTruthy(object? value) => value is not (null or false);

    public static bool IsNumber(object? value) => value is long or double or NumberText;

    public static bool IsEmpty(object? value) => value switch
    {
        string s => s.Length == 0,
        JsonObject o => o.Count == 0,
        SpecialValue => true,
        _ => Seq.From(value) is { Count: 0 },
    };

    public static bool IsBlank(object? value) => value switch
    {
        null or false => true,
        string s => string.IsNullOrWhiteSpace(s),
        _ => IsEmpty(value),
    };

    public static string FormatDouble(double value) =>
        double.IsInteger(value) && Math.Abs(value) < 1e16
            ? value.ToString("0.0", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The text form used by outputs and string filters; lists join their items with ", " as Jira's smart values print a
    /// list (<c>{{issue.Sydney Attractions.value}}</c> → "Harbour Bridge, Opera House, Bondi Beach":
    /// https://support.atlassian.com/cloud-automation/docs/examples-of-using-smart-values-with-lists/), objects render as JSON.
    /// </summary>
    public static string ToText(object? value, RenderContext ctx) => value switch
    {
        RangeValue r => $"{r.From}..{r.To}",
        JsonObject => ValueJson.Serialize(value, ctx),
        _ => ScalarText(value) ?? (Seq.From(value) is { } seq ? Concatenate(seq, ctx) : ""),
    };

    /// <summary>Text of nil, strings, booleans and numbers; null for containers.</summary>
    public static string? ScalarText(object? value) => value switch
    {
        null or SpecialValue or ForLoopState => "",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        NumberText n => n.Text,
        _ => null,
    };

    private const string ListSeparator = ", ";

    private static string Concatenate(Seq seq, RenderContext ctx)
    {
        var buffer = new OutputBuffer(ctx.MaxChars, "a string value");
        ctx.Enter();
        var first = true;
        foreach (var item in seq.Items(ctx))
        {
            if (!first)
            {
                buffer.Append(ListSeparator);
            }

            buffer.Append(ToText(item, ctx));
            first = false;
        }

        ctx.Exit();
        return ctx.Checked(buffer.ToString());
    }

    /// <summary>
    /// Dot access: object properties; on a list <c>size</c>/<c>first</c>/<c>last</c>, and any other name reads that
    /// property of every item (<see cref="Mapped"/>).
    /// </summary>
    public static object? Member(object? target, string name, RenderContext ctx)
    {
        switch (target)
        {
            case ForLoopState loop:
                return loop.Get(name);
            case JsonObject obj:
                return obj.TryGetPropertyValue(name, out var node) ? FromNode(node, ctx)
                    : JiraShortcuts.Member(obj, name, ctx) ?? (name == "size" ? (long)obj.Count : null);
            case string s:
                return name == "size" ? (long)s.Length : null;
        }

        if (Seq.From(target) is not { } seq)
        {
            return null;
        }

        return name switch
        {
            "size" => seq.Count,
            "first" => seq.Count > 0 ? seq.At(0, ctx) : null,
            "last" => seq.Count > 0 ? seq.At(seq.Count - 1, ctx) : null,
            _ => Mapped(seq, name, ctx),
        };
    }

    /// <summary>
    /// A property path through a list: the property of every item, as Jira's smart values read a list
    /// (<c>{{issue.fixVersions.name}}</c> "iterates over a list and prints it",
    /// <c>{{issue.subtasks.Story Points.average}}</c>: https://support.atlassian.com/jira-core-cloud/docs/smart-values-lists/).
    /// An item without the property adds nothing, an item that is itself a list adds its own items' properties (one flat
    /// list), and nil when no item has it: a path that finds nothing reads nil, as it did before lists were mapped.
    /// </summary>
    private static List<object?>? Mapped(Seq seq, string name, RenderContext ctx)
    {
        List<object?>? mapped = null;
        ctx.Enter();
        foreach (var item in seq.Items(ctx))
        {
            var value = Member(item, name, ctx);
            if (value is null)
            {
                continue;
            }

            mapped ??= [];
            if (Seq.From(item) is not null && value is List<object?> inner)
            {
                mapped.AddRange(inner);
            }
            else
            {
                mapped.Add(value);
            }
        }

        ctx.Exit();
        return mapped;
    }

    /// <summary>Bracket access: <c>a[0]</c>, <c>a[-1]</c>, <c>a["key"]</c>.</summary>
    public static object? Index(object? target, object? key, RenderContext ctx)
    {
        if (target is JsonObject obj)
        {
            var name = key is string s ? s : IsNumber(key) ? ScalarText(key) : null;
            return name is null ? null
                : obj.TryGetPropertyValue(name, out var node) ? FromNode(node, ctx)
                : JiraShortcuts.Member(obj, name, ctx);
        }

        if (target is ForLoopState loop && key is string member)
        {
            return loop.Get(member);
        }

        if (Seq.From(target) is not { } seq || !TryInteger(key, out var index))
        {
            return null;
        }

        index = index < 0 ? seq.Count + index : index;
        return index >= 0 && index < seq.Count ? seq.At(index, ctx) : null;
    }

    private static bool TryInteger(object? key, out long index)
    {
        (var ok, index) = key switch
        {
            long l => (true, l),
            double d when double.IsInteger(d) && Math.Abs(d) < RangeValue.MaxBound => (true, (long)d),
            NumberText { Value: { } n } => (TryInteger(n, out var i), i),
            _ => (false, 0L),
        };
        return ok;
    }
}
