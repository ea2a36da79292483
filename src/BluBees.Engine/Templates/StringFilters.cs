using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>String filters. Every result is checked against the per-value cap before or right after it is built.</summary>
internal static class StringFilters
{
    public static IEnumerable<FilterDef> All { get; } =
    [
        new("upcase", 0, 0, (c, i, _) => c.Checked(Grow(c, i).ToUpperInvariant())),
        new("downcase", 0, 0, (c, i, _) => c.Checked(Grow(c, i).ToLowerInvariant())),
        new("capitalize", 0, 0, (c, i, _) => Capitalize(c, Grow(c, i))),
        new("strip", 0, 0, (c, i, _) => c.Checked(Text(c, i).Trim())),
        new("lstrip", 0, 0, (c, i, _) => c.Checked(Text(c, i).TrimStart())),
        new("rstrip", 0, 0, (c, i, _) => c.Checked(Text(c, i).TrimEnd())),
        new("append", 1, 1, (c, i, a) => Concat(c, Text(c, i), a.Text(0, c))),
        new("prepend", 1, 1, (c, i, a) => Concat(c, a.Text(0, c), Text(c, i))),
        new("replace", 1, 2, (c, i, a) => Replace(c, Text(c, i), a.Text(0, c), a.Text(1, c), all: true)),
        new("replace_first", 1, 2, (c, i, a) => Replace(c, Text(c, i), a.Text(0, c), a.Text(1, c), all: false)),
        new("remove", 1, 1, (c, i, a) => Replace(c, Text(c, i), a.Text(0, c), "", all: true)),
        new("remove_first", 1, 1, (c, i, a) => Replace(c, Text(c, i), a.Text(0, c), "", all: false)),
        new("truncate", 0, 2, Truncate),
        new("split", 1, 1, Split),
    ];

    public static string Text(RenderContext ctx, object? input) => Values.ToText(input, ctx);

    /// <summary>The input of a filter whose result is at least as long: refuse oversized input before working on it.</summary>
    public static string Grow(RenderContext ctx, object? input)
    {
        var text = Text(ctx, input);
        if (text.Length > ctx.MaxChars)
        {
            throw TemplateFailure.Limit($"a string value exceeds {ctx.MaxChars} characters");
        }

        return text;
    }

    private static string Capitalize(RenderContext ctx, string s) =>
        s.Length == 0 ? s : ctx.Checked(char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant());

    private static string Concat(RenderContext ctx, string left, string right)
    {
        ctx.Reserve((long)left.Length + right.Length);
        return left + right;
    }

    private static string Replace(RenderContext ctx, string s, string search, string replacement, bool all)
    {
        if (search.Length == 0)
        {
            // Ruby semantics: the empty string matches before every character and at the end.
            var slots = all ? s.Length + 1L : 1L;
            ctx.Reserve(s.Length + (slots * replacement.Length));
            if (!all)
            {
                return replacement + s;
            }

            var builder = new StringBuilder(replacement);
            foreach (var c in s)
            {
                builder.Append(c).Append(replacement);
            }

            return builder.ToString();
        }

        var first = s.IndexOf(search, StringComparison.Ordinal);
        if (first < 0)
        {
            return s;
        }

        long count = 1;
        if (all)
        {
            ctx.Scan(s.Length); // the counting pass scans the input once more
            for (var at = s.IndexOf(search, first + search.Length, StringComparison.Ordinal); at >= 0;
                 at = s.IndexOf(search, at + search.Length, StringComparison.Ordinal))
            {
                count++;
            }
        }

        ctx.Reserve(s.Length + (count * (replacement.Length - (long)search.Length)));
        return all
            ? s.Replace(search, replacement, StringComparison.Ordinal)
            : string.Concat(s.AsSpan(0, first), replacement, s.AsSpan(first + search.Length));
    }

    private static object? Truncate(RenderContext ctx, object? input, FilterArgs args)
    {
        var s = Text(ctx, input);
        var length = args.Integer(0, 50);
        var ellipsis = args.Text(1, ctx, "...");
        if (s.Length <= length)
        {
            return s;
        }

        var keep = (int)Math.Clamp(length - ellipsis.Length, 0, s.Length);
        if (keep > 0 && char.IsHighSurrogate(s[keep - 1]))
        {
            keep--; // never cut a surrogate pair in half
        }

        ctx.Reserve((long)keep + ellipsis.Length);
        return string.Concat(s.AsSpan(0, keep), ellipsis);
    }

    /// <summary>Ruby's split: " " splits on runs of whitespace, "" into characters, trailing empty items dropped.</summary>
    private static object? Split(RenderContext ctx, object? input, FilterArgs args)
    {
        var s = Text(ctx, input);
        ctx.Reserve(s.Length);
        var separator = args.Text(0, ctx);
        IEnumerable<string> parts = separator switch
        {
            " " => s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries),
            "" => s.EnumerateRunes().Select(r => r.ToString()),
            _ => s.Split(separator),
        };

        var result = new List<object?>();
        foreach (var part in parts)
        {
            ctx.Step();
            result.Add(part);
        }

        while (result.Count > 0 && result[^1] is "")
        {
            result.RemoveAt(result.Count - 1);
        }

        return result;
    }
}
