namespace BluBees.Engine.Egress;

/// <summary>One call to a tenant-configured URL, as handed to <see cref="GuardedHttpClient.SendAsync"/>.</summary>
internal sealed class EgressRequest
{
    public EgressRequest(HttpMethod method, Uri url)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(url);
        Method = method;
        Url = url;
    }

    public HttpMethod Method { get; }

    public Uri Url { get; }

    /// <summary>Request headers. Content headers (Content-Type, …) are applied to the body when there is one.</summary>
    public IReadOnlyList<EgressHeader> Headers { get; init; } = [];

    /// <summary>A buffered body; re-sent as is on a 307/308 redirect.</summary>
    public ReadOnlyMemory<byte>? Body { get; init; }

    /// <summary>Content type of <see cref="Body"/> (or of the streamed content when it sets none itself).</summary>
    public string? ContentType { get; init; }

    /// <summary>
    /// A streamed body instead of <see cref="Body"/>: called once per hop that sends a body (again on a
    /// 307/308 redirect), so it must return fresh content each time.
    /// </summary>
    public Func<HttpContent>? ContentFactory { get; init; }

    /// <summary>Total time for the call, redirects and body included. Default: <see cref="EgressOptions.DefaultTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Longest wait for each hop's response headers once its request is sent. Default:
    /// <see cref="EgressOptions.ResponseHeadersTimeout"/>. A non-streamed AI completion sends nothing, not even its
    /// status line, until the model has finished, so its caller waits up to its own (bounded) <see cref="Timeout"/>.
    /// </summary>
    public TimeSpan? ResponseHeadersTimeout { get; init; }

    /// <summary>
    /// Body cap for this call. Default: <see cref="EgressOptions.MaxResponseBytes"/>. Above 2 GiB only when the
    /// response is streamed (<see cref="BufferResponse"/> false).
    /// </summary>
    public long? MaxResponseBytes { get; init; }

    /// <summary>
    /// True (default): the body is read into <see cref="EgressResponse.Body"/>. False: the caller reads
    /// <see cref="EgressResponse.BodyStream"/>, still capped and timed, and must dispose the response.
    /// </summary>
    public bool BufferResponse { get; init; } = true;

    /// <summary>
    /// The body carries a stored secret (an OAuth 2.0 token request's client secret or refresh token). Such a request
    /// never follows a redirect to another origin, whatever the status: the call fails with
    /// <see cref="EgressFailure.RedirectRefused"/>.
    /// </summary>
    public bool BodyCarriesCredential { get; init; }

    /// <summary>
    /// Which redirects are followed; one that is not is the final answer. Default <see cref="RedirectHandling.Follow"/>.
    /// A transfer's upload follows none (its streamed body can be sent once, and a 301/302 of a POST or a 303 turned
    /// into a GET would read a page elsewhere as the stored upload); a Jira call follows only those that keep its method.
    /// </summary>
    public RedirectHandling Redirects { get; init; } = RedirectHandling.Follow;

    /// <summary>
    /// Where the request's credentials may go: a connection's base URL (<see cref="Egress.CredentialScope"/>). A redirect
    /// hop outside it, on the same origin too, drops every header flagged <see cref="EgressHeader.IsCredential"/> (once
    /// dropped, they stay dropped) and carries no <see cref="CredentialParameter"/>; other headers follow the origin
    /// rules of <see cref="RedirectPolicy"/>. Default: the request URL's origin, any path.
    /// </summary>
    public CredentialScope? CredentialScope { get; init; }

    /// <summary>
    /// The name of the query parameter that carries a connection's credential (an API key placed in the query), if any.
    /// A redirect hop outside <see cref="CredentialScope"/> never carries it, even when the Location repeats it.
    /// </summary>
    public string? CredentialParameter { get; init; }

    /// <summary>
    /// What log lines and error messages call the destination: the configured host (a connection's base URL, a literal
    /// URL) or a fixed marker such as <c>(templated)</c> when the host was rendered from event data. Redirect hops are
    /// reported under this label too (their hosts come from a response). Default: the request URL's host.
    /// </summary>
    public string? Label { get; init; }

    internal string SafeLabel => Label ?? (Url.IsAbsoluteUri ? Url.Host : "(relative URL)");

    /// <summary>
    /// A body with bytes in it, or a streamed one. An empty <see cref="Body"/> is none: callers assign a <c>byte[]?</c>,
    /// and a null array becomes an empty, non-null <see cref="Body"/> on the way (the implicit conversion to
    /// <see cref="ReadOnlyMemory{T}"/>), which sent a GET with <c>Content-Length: 0</c> and counted as a body to refuse
    /// across origins. Without content the handler still frames a POST, PUT or PATCH with <c>Content-Length: 0</c>.
    /// </summary>
    internal bool HasBody => Body is { IsEmpty: false } || ContentFactory is not null;

    /// <summary>Method and origin only: paths and queries may carry secrets.</summary>
    public override string ToString() =>
        Url.IsAbsoluteUri ? $"{Method} {Url.GetLeftPart(UriPartial.Authority)}" : $"{Method} (relative URL)";
}
