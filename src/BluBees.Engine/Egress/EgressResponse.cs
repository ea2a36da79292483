using System.Globalization;

namespace BluBees.Engine.Egress;

/// <summary>
/// The outcome of one egress call. <see cref="Failure"/> is <see cref="EgressFailure.None"/> when a response
/// arrived, whatever its status code. <see cref="Error"/> is safe to store and show: it holds at most the
/// configured host name, never a header value, a body or a resolved address.
/// </summary>
public sealed class EgressResponse : IDisposable, IAsyncDisposable
{
    private readonly long _bytesIn;

    public EgressFailure Failure { get; init; }

    public bool Completed => Failure == EgressFailure.None;

    public string? Error { get; init; }

    /// <summary>Status code of the last response received (of the redirect for <see cref="EgressFailure.TooManyRedirects"/>).</summary>
    public int? StatusCode { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The body length the final response announced (null when chunked or decompressed).</summary>
    public long? ContentLength { get; init; }

    /// <summary>Response and content headers of the final response, comma-joined per name; Set-Cookie is left out.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>The body (buffered mode), at most the cap. Empty on failure.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The body stream (when the request set <c>BufferResponse = false</c>); dispose the response when done.</summary>
    public EgressResponseStream? BodyStream { get; init; }

    /// <summary>Request body bytes sent, over all hops (streamed bodies count when their length is known).</summary>
    public long BytesOut { get; init; }

    /// <summary>Body bytes read from the final response, after decompression (for a stream: so far).</summary>
    public long BytesIn
    {
        get => BodyStream?.BytesRead ?? _bytesIn;
        init => _bytesIn = value;
    }

    public int Redirects { get; init; }

    /// <summary>
    /// A redirect took the call outside the request's <see cref="EgressRequest.CredentialScope"/> (another origin, or a
    /// path outside the connection's base URL): that hop and every later one went without the credentials, so a 401
    /// from it says nothing about them. (It replaces <c>LeftOrigin</c>, which a same-origin hop out of the base path
    /// did not set.)
    /// </summary>
    public bool LeftCredentialScope { get; init; }

    public TimeSpan Duration { get; init; }

    internal static EgressResponse Failed(EgressFailure failure, string message) => new() { Failure = failure, Error = message };

    public void Dispose() => BodyStream?.Dispose();

    public ValueTask DisposeAsync() => BodyStream?.DisposeAsync() ?? ValueTask.CompletedTask;

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Failure} status={StatusCode} in={BytesIn} out={BytesOut} redirects={Redirects} {Error}");
}
