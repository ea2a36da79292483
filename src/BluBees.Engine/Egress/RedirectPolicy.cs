namespace BluBees.Engine.Egress;

/// <summary>How one redirect hop changes the request.</summary>
internal static class RedirectPolicy
{
    /// <summary>
    /// The only headers that follow a request to another origin: plain transport negotiation, nothing a step or a
    /// connection chose. Everything else (credentials, custom step headers, idempotency keys, trace ids) stays with
    /// the origin the request was addressed to. Content-Type never needs to be here: it travels with the body, and a
    /// body never crosses origins (see <see cref="GuardedHttpClient"/>).
    /// </summary>
    private static readonly HashSet<string> CrossOriginHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Encoding", "Accept-Language", "User-Agent",
    };

    /// <summary>Whether a 3xx of a request is followed under its <see cref="RedirectHandling"/> (given a usable Location).</summary>
    public static bool IsFollowed(int status, HttpMethod method, RedirectHandling handling) =>
        status is 301 or 302 or 303 or 307 or 308 && handling switch
        {
            RedirectHandling.Follow => true,
            RedirectHandling.SameMethod => NextMethod(status, method) == method,
            _ => false,
        };

    /// <summary>
    /// 307/308 keep method and body; 301/302 too, except that a POST turns into a GET without a body (the only change
    /// RFC 9110 §15.4.2–15.4.3 allows them: a PUT, PATCH or DELETE turned into a GET would answer 200 for a write that
    /// never happened); 303 turns anything but HEAD into a GET without a body (§15.4.4).
    /// </summary>
    public static bool KeepsMethodAndBody(int status, HttpMethod method) =>
        status is 307 or 308 || (status is 301 or 302 && method != HttpMethod.Post);

    public static HttpMethod NextMethod(int status, HttpMethod method) =>
        KeepsMethodAndBody(status, method) || method == HttpMethod.Head ? method : HttpMethod.Get;

    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>The headers that may go to another origin: transport headers only, and never one flagged as a credential.</summary>
    public static IReadOnlyList<EgressHeader> ForAnotherOrigin(IReadOnlyList<EgressHeader> headers) =>
        [.. headers.Where(h => !h.IsCredential && CrossOriginHeaders.Contains(h.Name))];

    /// <summary>
    /// Whether a hop to <paramref name="next"/> may carry the request's credentials: inside its
    /// <see cref="EgressRequest.CredentialScope"/> (a connection's base URL, path included), or, when it has none, on
    /// the request URL's origin.
    /// </summary>
    public static bool InCredentialScope(EgressRequest request, Uri next) =>
        request.CredentialScope is { } scope ? scope.Covers(next) : SameOrigin(request.Url, next);

    /// <summary>The headers without any flagged as a credential.</summary>
    public static IReadOnlyList<EgressHeader> WithoutCredentials(IReadOnlyList<EgressHeader> headers) =>
        headers.Any(h => h.IsCredential) ? [.. headers.Where(h => !h.IsCredential)] : headers;

    /// <summary>
    /// <paramref name="url"/> without the request's credential query parameter: none named
    /// <see cref="EgressRequest.CredentialParameter"/> (decoded, any case), and none holding the credential the request
    /// URL carried under that name anywhere in its decoded name or value (a Location may repeat it under another name,
    /// or inside another value, e.g. after a ';' some servers read as a separator).
    /// </summary>
    public static Uri WithoutCredentialParameter(Uri url, EgressRequest request)
    {
        if (request.CredentialParameter is not { } name || url.Query.Length <= 1)
        {
            return url;
        }

        var secrets = Parameters(request.Url)
            .Where(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && p.Value.Length > 0)
            .Select(p => p.Value)
            .ToHashSet(StringComparer.Ordinal);
        var parts = url.Query[1..].Split('&');
        var kept = parts.Where(part => Parameter(part) is var p && !p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
            && !secrets.Any(secret => p.Name.Contains(secret, StringComparison.Ordinal) || p.Value.Contains(secret, StringComparison.Ordinal))).ToList();
        if (kept.Count == parts.Length)
        {
            return url;
        }

        var rebuilt = url.GetLeftPart(UriPartial.Path) + (kept.Count == 0 ? string.Empty : "?" + string.Join('&', kept));
        return Uri.TryCreate(rebuilt, UriKind.Absolute, out var stripped) ? stripped : url;
    }

    private static IEnumerable<(string Name, string Value)> Parameters(Uri url) =>
        url.IsAbsoluteUri && url.Query.Length > 1 ? url.Query[1..].Split('&').Select(Parameter) : [];

    /// <summary>One <c>name=value</c> pair of a query, percent-decoded ('+' read as a space, as form decoding does).</summary>
    private static (string Name, string Value) Parameter(string part)
    {
        var eq = part.IndexOf('=', StringComparison.Ordinal);
        return (Unescape(eq < 0 ? part : part[..eq]), eq < 0 ? string.Empty : Unescape(part[(eq + 1)..]));
    }

    private static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

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
