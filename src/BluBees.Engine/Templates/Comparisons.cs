using System.Text.Json.Nodes;
using BluBees.Engine.Common;

namespace BluBees.Engine.Templates;

/// <summary>Liquid equality, ordering and <c>contains</c>. Deep comparisons are depth-bounded and step-charged.</summary>
internal static class Comparisons
{
    public static bool Evaluate(string op, object? left, object? right, RenderContext ctx) => op switch
    {
        "==" => AreEqual(left, right, ctx),
        "!=" or "<>" => !AreEqual(left, right, ctx),
        "<" => Compare(left, right, ctx) is < 0,
        ">" => Compare(left, right, ctx) is > 0,
        "<=" => Compare(left, right, ctx) is <= 0,
        ">=" => Compare(left, right, ctx) is >= 0,
        "contains" => Contains(left, right, ctx),
        _ => false,
    };

    public static bool AreEqual(object? left, object? right, RenderContext ctx) => AreEqual(left, right, ctx, 0);

    private static bool AreEqual(object? left, object? right, RenderContext ctx, int depth)
    {
        ctx.Step();
        if (depth > TemplateLimits.MaxValueDepth)
        {
            throw TemplateFailure.Limit($"compared values are nested deeper than {TemplateLimits.MaxValueDepth} levels");
        }

        if (left is SpecialValue || right is SpecialValue)
        {
            var (special, other) = left is SpecialValue s ? (s, right) : ((SpecialValue)right!, left);
            return ReferenceEquals(special, SpecialValue.Blank) ? Values.IsBlank(other) : Values.IsEmpty(other);
        }

        switch (left)
        {
            case null:
                return right is null;
            case long or double or NumberText when Values.IsNumber(right):
                return Compare(left, right) == 0;
            case string text:
                if (right is not string otherText)
                {
                    return false;
                }

                // Ordinal equality compares lengths first and then scans both strings.
                ctx.Scan(text.Length == otherText.Length ? text.Length : 0);
                return string.Equals(text, otherText, StringComparison.Ordinal);
            case bool flag:
                return right is bool otherFlag && flag == otherFlag;
            case JsonObject obj:
                return right is JsonObject otherObj && ObjectsEqual(obj, otherObj, ctx, depth);
        }

        if (Seq.From(left) is { } x && Seq.From(right) is { } y)
        {
            if (x.Count != y.Count)
            {
                return false;
            }

            for (long i = 0; i < x.Count; i++)
            {
                if (!AreEqual(x[i], y[i], ctx, depth + 1))
                {
                    return false;
                }
            }

            return true;
        }

        return ReferenceEquals(left, right);
    }

    private static bool ObjectsEqual(JsonObject a, JsonObject b, RenderContext ctx, int depth)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, node) in a)
        {
            if (!b.TryGetPropertyValue(key, out var other) || !AreEqual(Values.FromNode(node, ctx), Values.FromNode(other, ctx), ctx, depth + 1))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Numbers numerically, strings ordinally (charged by the length compared); null when not comparable.</summary>
    public static int? Compare(object? left, object? right, RenderContext ctx)
    {
        if (left is string a && right is string b)
        {
            ctx.Scan(Math.Min(a.Length, b.Length));
        }

        return Compare(left, right);
    }

    private static int? Compare(object? left, object? right) => (left, right) switch
    {
        (long a, long b) => a.CompareTo(b),
        (NumberText, _) or (_, NumberText) when Values.IsNumber(left) && Values.IsNumber(right)
            => DecimalText.Compare(Values.ScalarText(left)!, Values.ScalarText(right)!), // exact, any size
        (long or double, long or double) => ToDouble(left).CompareTo(ToDouble(right)),
        (string a, string b) => string.CompareOrdinal(a, b) switch { < 0 => -1, > 0 => 1, _ => 0 },
        _ => null,
    };

    private static double ToDouble(object? number) => number is long l ? l : (double)number!;

    private static bool Contains(object? left, object? right, RenderContext ctx)
    {
        switch (left)
        {
            case null:
                return false;
            case string s:
                if (right is null || Values.ScalarText(right) is not { } needle)
                {
                    return false;
                }

                ctx.Scan((long)s.Length + needle.Length);
                return s.Contains(needle, StringComparison.Ordinal);
            case JsonObject o:
                return right is string key && o.ContainsKey(key);
        }

        return Seq.From(left) is { } seq && seq.Items(ctx).Any(item => AreEqual(item, right, ctx));
    }
}
