namespace BluBees.Engine.Egress;

/// <summary>How one redirect hop changes the request.</summary>
internal static class RedirectPolicy
{
    private static readonly string[] AlwaysCredential = ["Authorization", "Proxy-Authorization", "Cookie"];

    public static bool IsFollowed(int status) => status is 301 or 302 or 303 or 307 or 308;

    /// <summary>301/302/303 turn into GET without a body (HEAD stays HEAD); 307/308 keep method and body.</summary>
    public static bool KeepsMethodAndBody(int status) => status is 307 or 308;

    public static HttpMethod NextMethod(int status, HttpMethod method) =>
        KeepsMethodAndBody(status) || method == HttpMethod.Head ? method : HttpMethod.Get;

    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>The headers without credentials: flagged ones and the standard credential headers.</summary>
    public static IReadOnlyList<EgressHeader> WithoutCredentials(IReadOnlyList<EgressHeader> headers) =>
        [.. headers.Where(h => !h.IsCredential && !AlwaysCredential.Contains(h.Name, StringComparer.OrdinalIgnoreCase))];

    /// <summary>Resolves the Location header against the current URL; null when missing or malformed.</summary>
    public static Uri? NextUrl(HttpResponseMessage response, Uri current)
    {
        if (response.Headers.Location is { } location)
        {
            return location.IsAbsoluteUri ? location : Uri.TryCreate(current, location, out var next) ? next : null;
        }

        return response.Headers.TryGetValues("Location", out var raw) && Uri.TryCreate(current, raw.First(), out var parsed)
            ? parsed
            : null;
    }
}
