namespace BluBees.Engine.Egress;

/// <summary>
/// Where a connection's credential may be sent: its base URL's origin (scheme, host, port) and, on that origin, the
/// base URL's path or below it. A client that builds its own URLs (a provider SDK) asks only through this: a URL it
/// made from a model name, an SDK option or a later SDK version that leaves the scope gets nothing, not the key and
/// not the request. The path is compared as sent: dot segments the URL parser resolves (<c>../</c>, <c>%2e%2e/</c>)
/// are already gone, and any that stay (a URL built without canonicalization, <c>..%2F</c>, <c>..;</c>) are refused,
/// because the server would walk out of the base path with them (<see cref="DotSegments.AnyHidden"/>).
/// </summary>
internal sealed class CredentialScope
{
    private readonly Uri _base;
    private readonly string _path;

    private CredentialScope(Uri baseUrl)
    {
        _base = baseUrl;
        _path = baseUrl.AbsolutePath.TrimEnd('/');
    }

    /// <summary>The scope of a connection's base URL; null when it is not an absolute http(s) URL.</summary>
    public static CredentialScope? Of(string baseUrl)
        => Uri.TryCreate(baseUrl, UriKind.Absolute, out var parsed) && parsed.Scheme is "https" or "http" && parsed.UserInfo.Length == 0
            ? new CredentialScope(parsed)
            : null;

    /// <summary>The configured host, the only one an error about the scope names.</summary>
    public string Host => _base.Host;

    /// <summary>Whether <paramref name="url"/> is on the base URL's origin, without user info, at or below its path.</summary>
    public bool Covers(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || url.UserInfo.Length > 0 || !RedirectPolicy.SameOrigin(_base, url))
        {
            return false;
        }

        var path = url.AbsolutePath;
        return (_path.Length == 0 || path == _path || path.StartsWith(_path + "/", StringComparison.Ordinal))
            && !DotSegments.AnyHidden(url);
    }
}
