namespace BluBees.Engine.Egress;

/// <summary>The state of one call as it moves along a redirect chain.</summary>
internal sealed class EgressCall(EgressRequest request, long started)
{
    public EgressRequest Request { get; } = request;
    public long Started { get; } = started;
    public Uri Url { get; set; } = request.Url;
    public HttpMethod Method { get; set; } = request.Method;
    public bool WithBody { get; set; } = request.HasBody;
    public IReadOnlyList<EgressHeader> Headers { get; set; } = request.Headers;
    public int? Status { get; set; }
    public int Redirects { get; set; }
    /// <summary>A hop went outside the request's credential scope: its credentials were dropped.</summary>
    public bool LeftCredentialScope { get; set; }
    public long BytesOut { get; set; }
    public EgressResponseStream? Body { get; set; }
    /// <summary>True once a streamed body owns the response and the call's token sources.</summary>
    public bool HandedOff { get; set; }
}
