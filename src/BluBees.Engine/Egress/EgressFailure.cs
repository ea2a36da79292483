namespace BluBees.Engine.Egress;

/// <summary>
/// Why an egress call produced no usable HTTP response. Values, not exceptions: a run record stores the
/// category, never a message containing data. <see cref="None"/> means a response arrived (any status code).
/// </summary>
public enum EgressFailure
{
    /// <summary>An HTTP response was received and read within the limits.</summary>
    None = 0,

    /// <summary>The URL (or a redirect location) is not absolute, has user info, or its host is malformed.</summary>
    InvalidUrl,

    /// <summary>A header name or value is malformed or may not be set by callers (Host, Content-Length, …).</summary>
    InvalidRequest,

    /// <summary>The scheme is not https (or http where the operator allows it).</summary>
    BlockedScheme,

    /// <summary>The port is not in the allowed list.</summary>
    BlockedPort,

    /// <summary>
    /// The host is a literal non-public address. Decided before any connection attempt. A host name that resolves to
    /// such an address fails as <see cref="ConnectionFailed"/>, exactly like a name that does not resolve.
    /// </summary>
    BlockedDestination,

    /// <summary>The remote host actively refused the TCP connection (allowed destinations only).</summary>
    Refused,

    /// <summary>Name resolution (including a name resolving to a blocked address), TCP, TLS or HTTP protocol failure.</summary>
    ConnectionFailed,

    /// <summary>Total, connect, idle-read or minimum-rate timeout.</summary>
    Timeout,

    /// <summary>The response body (after decompression) or its headers exceed the cap.</summary>
    TooLarge,

    /// <summary>More redirects than <see cref="EgressOptions.MaxRedirects"/>.</summary>
    TooManyRedirects,

    /// <summary>
    /// A redirect to another origin was not followed: the request's body carries a stored secret
    /// (<see cref="EgressRequest.BodyCarriesCredential"/>), or a 307/308 would re-send a body to an origin the
    /// request was not addressed to; on the same origin, a hop out of the request's <see cref="EgressRequest.CredentialScope"/>
    /// (a connection's base path, an OAuth token URL) with a body that carries a stored secret or that a 307/308 would re-send.
    /// </summary>
    RedirectRefused,

    /// <summary>
    /// A client that builds its own URLs (a provider SDK under <see cref="GuardedHttpMessageHandler"/>) asked for one
    /// outside the connection's <see cref="BluBees.Engine.Egress.CredentialScope"/>: refused before anything was sent, the credential included.
    /// </summary>
    OutsideCredentialScope,
}
