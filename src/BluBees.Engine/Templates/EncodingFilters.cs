using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>Encoders: JSON, URL, HTML and base64 (UTF-8).</summary>
internal static class EncodingFilters
{
    // url_encode is RFC 3986 (space as %20), not Liquid's form encoding (space as '+'): templates mostly build
    // request paths, where '+' is a literal plus. url_decode accepts both.
    public static IEnumerable<FilterDef> All { get; } =
    [
        new("json", 0, 0, (c, i, _) => ValueJson.Serialize(i, c)),
        new("url_encode", 0, 0, (c, i, _) => c.Checked(Uri.EscapeDataString(StringFilters.Grow(c, i)))),
        // url_raw leaves a value rendered into a URL's path or query unencoded (see OutputNode): a whole path or
        // query string taken from data on purpose. Elsewhere it changes nothing.
        new("url_raw", 0, 0, (_, i, _) => i),
        new("url_decode", 0, 0, (c, i, _) => c.Checked(Uri.UnescapeDataString(StringFilters.Text(c, i).Replace('+', ' ')))),
        new("escape", 0, 0, (c, i, _) => EscapeHtml(c, StringFilters.Grow(c, i))),
        new("base64_encode", 0, 0, (c, i, _) => c.Checked(Convert.ToBase64String(Encoding.UTF8.GetBytes(StringFilters.Grow(c, i))))),
        new("base64_decode", 0, 0, (c, i, _) => DecodeBase64(c, StringFilters.Text(c, i))),
    ];

    private static string EscapeHtml(RenderContext ctx, string s)
    {
        var builder = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            } ?? c.ToString());
        }

        return ctx.Checked(builder.ToString());
    }

    private static string DecodeBase64(RenderContext ctx, string s)
    {
        var bytes = new byte[(s.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(s.Trim(), bytes, out var written))
        {
            throw TemplateFailure.Runtime("filter 'base64_decode': the input is not valid base64");
        }

        return ctx.Checked(Encoding.UTF8.GetString(bytes, 0, written));
    }
}
