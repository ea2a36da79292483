namespace BluBees.Engine.Egress;

/// <summary>Which redirects a request follows (<see cref="EgressRequest.Redirects"/>).</summary>
internal enum RedirectHandling
{
    /// <summary>Every 301, 302, 303, 307 and 308 with a usable <c>Location</c>, hop by hop, under RFC 9110's method rules.</summary>
    Follow = 0,

    /// <summary>
    /// Only a redirect that repeats the request as it was (same method, body kept: a 307/308, a 301/302 of anything but
    /// a POST, any redirect of a GET or HEAD). A 303, or a 301/302 of a POST, would turn it into a GET whose answer is
    /// not the request's: that 3xx is the final answer instead. For callers that read only their own request's answer
    /// as success (a Jira write, a search sent as a POST).
    /// </summary>
    SameMethod,

    /// <summary>None: any 3xx is the final answer (a transfer's upload, whose stream can be sent once).</summary>
    None,
}
