using System.Net;

namespace BluBees.Engine.Egress;

/// <summary>
/// An <see cref="HttpMessageHandler"/> for SDK clients (OpenAI, Anthropic) that sends every request through
/// <see cref="GuardedHttpClient"/>: destination checks, hop-by-hop redirects, the body cap and the timeout all
/// apply, except the operator's time-to-first-byte limit: the step's own timeout bounds the wait for the headers of a
/// non-streamed completion. The SDK never holds the tenant's secret: whatever credential header it sets is removed and the
/// connection's <see cref="Credential"/> is added here, marked so the guard drops it on a cross-origin redirect.
/// The SDK chooses the URL, so it is checked first: only a request inside the connection's <see cref="CredentialScope"/>
/// (its base URL's origin, under its path) is sent; any other (an SDK that builds a URL from the model name, an absolute
/// URL in an option, a later SDK version) is refused before anything leaves, and the key goes nowhere else.
/// A call refused here or by the guard, or that fails below HTTP, throws <see cref="EgressCallException"/>.
/// Bodies are buffered (request and response), within the guard's cap. Not thread-safe for its counters:
/// one handler per step execution.
/// </summary>
internal sealed class GuardedHttpMessageHandler(GuardedHttpClient client, EgressHeader? credential, CredentialScope scope, TimeSpan timeout, long maxResponseBytes)
    : HttpMessageHandler
{
    /// <summary>Credential headers the SDKs set themselves (from the placeholder key they are given).</summary>
    private static readonly HashSet<string> SdkCredentialHeaders = new(StringComparer.OrdinalIgnoreCase) { "Authorization", "x-api-key", "api-key" };

    // Framing is the guard's business; the content headers travel as the body's content type.
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Expect",
    };

    public EgressHeader? Credential { get; } = credential;

    /// <summary>What logs and errors call the destination (the connection's configured host); see <see cref="EgressRequest.Label"/>.</summary>
    public string? Label { get; init; }

    public long BytesOut { get; private set; }

    public long BytesIn { get; private set; }

    public int? LastStatus { get; private set; }

    public int Attempts { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        if (!scope.Covers(url))
        {
            // Names the configured host only: the URL the SDK asked for may hold the model name or other step data.
            throw new EgressCallException(EgressFailure.OutsideCredentialScope, $"The provider client asked for a URL outside the connection's base URL on '{scope.Host}'; nothing was sent.");
        }

        var headers = new List<EgressHeader>();
        foreach (var header in request.Headers)
        {
            if (!SdkCredentialHeaders.Contains(header.Key) && !Skipped.Contains(header.Key)
                && !(Credential is { } c && c.Name.Equals(header.Key, StringComparison.OrdinalIgnoreCase)))
            {
                headers.Add(new EgressHeader(header.Key, string.Join(header.Key.Equals("User-Agent", StringComparison.OrdinalIgnoreCase) ? " " : ", ", header.Value)));
            }
        }

        if (Credential is { } credentialHeader)
        {
            headers.Add(credentialHeader with { IsCredential = true });
        }

        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var egress = new EgressRequest(request.Method, url)
        {
            Headers = headers,
            Body = body,
            ContentType = request.Content?.Headers.ContentType?.ToString(),
            Timeout = timeout,
            // A model answers a non-streamed request only once it has finished: the step's timeout bounds the wait.
            ResponseHeadersTimeout = timeout,
            MaxResponseBytes = maxResponseBytes,
            Label = Label,
            CredentialScope = scope,
            // A completion is the answer to its own POST: a redirect that would turn it into a GET (303, a 301/302 of a
            // POST) is the answer instead, never a page read as the model's output.
            Redirects = RedirectHandling.SameMethod,
        };

        Attempts++;
        using var response = await client.SendAsync(egress, cancellationToken);
        BytesOut += response.BytesOut;
        BytesIn += response.BytesIn;
        LastStatus = response.StatusCode ?? LastStatus;
        if (!response.Completed)
        {
            throw new EgressCallException(response.Failure, response.Error ?? response.Failure.ToString());
        }

        var message = new HttpResponseMessage((HttpStatusCode)response.StatusCode!.Value)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(response.Body.ToArray()),
        };
        foreach (var (name, value) in response.Headers)
        {
            // The body is already decompressed and re-framed: its original length and encoding no longer apply.
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }
}

/// <summary>
/// An egress call through <see cref="GuardedHttpMessageHandler"/> got no HTTP response (refused destination, timeout,
/// connection failure, body over the cap). The message is the guard's: a host name at most, never data.
/// </summary>
internal sealed class EgressCallException : Exception
{
    public EgressCallException(EgressFailure failure, string message)
        : base(message) => Failure = failure;

    public EgressCallException()
    {
    }

    public EgressCallException(string message)
        : base(message)
    {
    }

    public EgressCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EgressFailure Failure { get; }
}
