using BluBees.Engine.Egress;
using BluBees.Engine.Templates;

namespace BluBees.Engine.Steps;

/// <summary>
/// Checks on a URL path that carries rendered (issue) data, beyond the dot segments the URL parser removes itself.
/// Servers and proxies differ in how they read a path: some decode an encoded slash ('%2F') or backslash ('%5C')
/// before resolving dot segments, some decode twice, Tomcat and Spring read '..;' as '..'. Data that one of them
/// would read as a dot segment is refused, whatever the server behind the base URL is.
/// </summary>
internal static class RenderedPath
{
    /// <summary>Whether a segment of the path is a dot segment once '%2F' or '%5C' are decoded (a few times) or a ';'
    /// parameter is dropped (<see cref="DotSegments.AnyHidden"/>). Plain '../' was already removed by the parser.</summary>
    public static bool HasHiddenDotSegment(Uri url) => DotSegments.AnyHidden(url);

    /// <summary>
    /// Whether the rendered URL text (before the URL parser reads it) has a path segment that is a dot segment only
    /// once percent-decoded ('%2E%2E', '.%2e'): data rendered into the path as "." or "..", which the parser would
    /// resolve. Literal dots the template or a url_raw value spell out are left to the checks on the parsed URL.
    /// </summary>
    public static bool HasEncodedDotSegment(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : url.IndexOf('/', scheme + 3);
        if (start < 0)
        {
            return false;
        }

        var end = url.IndexOfAny(['?', '#'], start);
        var path = end < 0 ? url[start..] : url[start..end];
        return path.Split('/').Any(s => s.Contains('%', StringComparison.Ordinal) && Uri.UnescapeDataString(s) is "." or "..");
    }

    /// <summary>
    /// The path (up to its last '/') that a <c>url</c> template spells out before its first placeholder, e.g.
    /// <c>/v1/items/</c> for <c>https://api.example.com/v1/items/{{ key }}</c>; null when that text holds no complete
    /// absolute URL with a path (the host or scheme is itself templated).
    /// </summary>
    public static string? LiteralDirectory(Template url)
    {
        var prefix = url.LiteralPrefix.TrimStart();
        var end = prefix.IndexOfAny(['?', '#']);
        if (end >= 0)
        {
            prefix = prefix[..end];
        }

        var authority = prefix.IndexOf("://", StringComparison.Ordinal);
        if (authority < 0 || prefix.IndexOf('/', authority + 3) < 0 || !Uri.TryCreate(prefix, UriKind.Absolute, out var parsed))
        {
            return null;
        }

        var path = parsed.AbsolutePath;
        return path[..(path.LastIndexOf('/') + 1)];
    }
}
