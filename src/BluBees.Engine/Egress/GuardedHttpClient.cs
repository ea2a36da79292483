using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Engine.Egress;

/// <summary>
/// The single entry point for calls to tenant-configured URLs. Every hop is checked (scheme, port, literal
/// address) before it is sent, and the guard's connect callback checks resolved addresses. Redirects are
/// followed here, credentials dropped when a hop leaves the request's credential scope (its origin, or the
/// connection's base URL), and the body read with a cap and timeouts.
/// Expected failures come back as <see cref="EgressResponse.Failure"/>; only the caller's cancellation throws.
/// </summary>
internal sealed class GuardedHttpClient
{
    private readonly EgressGuard _guard;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public GuardedHttpClient(EgressGuard guard, TimeProvider? timeProvider = null, ILogger<GuardedHttpClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(guard);
        _guard = guard;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public async Task<EgressResponse> SendAsync(EgressRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = _guard.Options;
        var cap = request.MaxResponseBytes ?? options.MaxResponseBytes;
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1, nameof(request));
        if (request.BufferResponse)
        {
            // A buffered body is one array; a streamed body (a transfer) may be as large as the caller allows.
            ArgumentOutOfRangeException.ThrowIfGreaterThan(cap, int.MaxValue - 1, nameof(request));
        }

        var timeout = request.Timeout ?? options.DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(request));
        if (request.Body is not null && request.ContentFactory is not null)
        {
            throw new ArgumentException("Set either Body or ContentFactory, not both.", nameof(request));
        }

        // A run started before its event's accept committed calls out only after that commit (every path of a run
        // waits for it earlier; this is the one place every egress passes).
        await AcceptCommit.WaitAsync(ct);
        var call = new EgressCall(request, _time.GetTimestamp());
        var deadline = new CancellationTokenSource(timeout, _time);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            while (true)
            {
                if (EgressUrlValidator.Check(call.Url, options, _guard.Policy, out var why) is var refused and not EgressFailure.None)
                {
                    // A redirect's scheme is the Location's text (any letters and digits: a token fits); only the
                    // configured URL's scheme is named.
                    return Finish(call, refused, refused == EgressFailure.BlockedScheme && call.Redirects > 0
                        ? $"The redirect from '{call.Request.SafeLabel}' names a scheme that is not allowed."
                        : why);
                }

                var message = EgressMessageFactory.Create(call.Method, call.Url, request, call.Headers, call.WithBody, out why);
                if (message is null)
                {
                    return Finish(call, EgressFailure.InvalidRequest, why);
                }

                HttpResponseMessage response;
                try
                {
                    response = await SendHopAsync(message, request.ResponseHeadersTimeout ?? options.ResponseHeadersTimeout, linked.Token);
                }
                catch
                {
                    message.Dispose();
                    throw;
                }

                call.BytesOut += message.Content?.Headers.ContentLength ?? 0;
                call.Status = (int)response.StatusCode;
                if (call.Status < 200)
                {
                    // Only 101 reaches here (the handler skips other 1xx). The guard never asks for an upgrade, so the
                    // connection is no longer HTTP: what follows is raw bytes, never a response body.
                    response.Dispose();
                    message.Dispose();
                    return Finish(call, EgressFailure.ConnectionFailed, $"'{call.Request.SafeLabel}' switched protocols without being asked to.");
                }

                if (RedirectPolicy.IsFollowed(call.Status.Value, call.Method, request.Redirects) && response.Headers.NonValidated.Contains("Location"))
                {
                    var next = RedirectPolicy.NextUrl(response, call.Url);
                    response.Dispose();
                    message.Dispose();
                    if (Redirect(call, next, options.MaxRedirects) is { } stop)
                    {
                        return stop;
                    }

                    continue;
                }

                return await CompleteAsync(call, response, message, ReadLimits.From(options, cap), linked, deadline, ct);
            }
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is not OperationCanceledException)
        {
            // Cancelling aborts the connection, which can surface as an I/O error: it is still the caller's cancellation.
            throw new OperationCanceledException("The egress call was cancelled.", e, ct);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Finish(call, EgressFailure.Timeout, $"The request to '{call.Request.SafeLabel}' timed out.");
        }
        catch (Exception e) when (EgressErrors.TryMap(e, call.Request.SafeLabel, out var failure, out var message))
        {
            return Finish(call, failure, message);
        }
        finally
        {
            if (!call.HandedOff)
            {
                linked.Dispose();
                deadline.Dispose();
            }
        }
    }

    /// <summary>
    /// Sends one hop and waits for its response headers at most <paramref name="headersTimeout"/> after the request
    /// body (if any) has been sent: a host that accepts the connection and then says nothing is cut long before the
    /// attempt deadline, while an upload of any length is not mistaken for a silent host.
    /// </summary>
    private async Task<HttpResponseMessage> SendHopAsync(HttpRequestMessage message, TimeSpan headersTimeout, CancellationToken token)
    {
        using var headers = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var hop = CancellationTokenSource.CreateLinkedTokenSource(token, headers.Token);
        if (message.Content is { } content)
        {
            message.Content = new SentSignalContent(content, () => StartTimer(headers, headersTimeout));
        }
        else
        {
            headers.CancelAfter(headersTimeout);
        }

        return await _guard.Invoker.SendAsync(message, hop.Token);
    }

    private static void StartTimer(CancellationTokenSource source, TimeSpan after)
    {
        try
        {
            source.CancelAfter(after);
        }
        catch (ObjectDisposedException)
        {
            // The hop already ended (the server answered before the body was fully sent).
        }
    }

    /// <summary>Reads (or hands over) the final response body under the cap and timeouts.</summary>
    private async Task<EgressResponse> CompleteAsync(
        EgressCall call, HttpResponseMessage response, HttpRequestMessage message, ReadLimits limits,
        CancellationTokenSource linked, CancellationTokenSource deadline, CancellationToken ct)
    {
        // A HEAD, 204 or 304 answer has no body (RFC 9110 §6.4.1): a Content-Length there is the representation's (a
        // 304 to a conditional GET may send it, §8.6), never bytes to read, so it is neither checked nor passed on.
        var bodyless = call.Method == HttpMethod.Head || call.Status is 204 or 304;
        if (!bodyless && response.Content.Headers.ContentLength > limits.Cap)
        {
            response.Dispose();
            message.Dispose();
            return Finish(call, EgressFailure.TooLarge, Invariant($"The response body exceeds the limit of {limits.Cap} bytes."));
        }

        Stream inner;
        try
        {
            inner = await response.Content.ReadAsStreamAsync(linked.Token);
        }
        catch
        {
            response.Dispose();
            message.Dispose();
            throw;
        }

        var streaming = !call.Request.BufferResponse;
        IDisposable[] owned = streaming ? [response, message, linked, deadline] : [response, message];
        call.Body = new EgressResponseStream(inner, limits, _time, linked.Token, deadline.Token, owned);
        call.HandedOff = streaming;
        try
        {
            var body = streaming ? Array.Empty<byte>() : await ResponseBody.BufferAsync(call.Body, ct);
            return new EgressResponse
            {
                StatusCode = call.Status,
                ContentType = response.Content.Headers.ContentType?.ToString(),
                ContentLength = bodyless ? null : response.Content.Headers.ContentLength,
                Headers = ResponseBody.Headers(response),
                Body = body,
                BodyStream = streaming ? call.Body : null,
                BytesIn = body.Length,
                BytesOut = call.BytesOut,
                Redirects = call.Redirects,
                LeftCredentialScope = call.LeftCredentialScope,
                Duration = _time.GetElapsedTime(call.Started),
            };
        }
        finally
        {
            if (!streaming)
            {
                await call.Body.DisposeAsync();
            }
        }
    }

    /// <summary>Moves the call to the next hop; returns a failure response when the chain must stop.</summary>
    private EgressResponse? Redirect(EgressCall call, Uri? next, int maxRedirects)
    {
        if (next is null)
        {
            return Finish(call, EgressFailure.InvalidUrl, $"The redirect from '{call.Url.Host}' has an invalid location.");
        }

        if (call.Redirects >= maxRedirects)
        {
            return Finish(call, EgressFailure.TooManyRedirects, Invariant($"More than {maxRedirects} redirects."));
        }

        var keepsBody = call.WithBody && RedirectPolicy.KeepsMethodAndBody(call.Status!.Value, call.Method);
        if (!RedirectPolicy.SameOrigin(call.Url, next))
        {
            // A stored secret in the body (OAuth token request) never leaves its origin, whatever the status: even a
            // 303 would tell us the server forwards clients elsewhere. A 307/308 would re-send any body (a rendered
            // template carrying issue data) to an origin the rule did not name: refused too, and so would a 301/302 of a
            // PUT or PATCH, which keeps its body.
            if (call.Request.BodyCarriesCredential || keepsBody)
            {
                return Finish(call, EgressFailure.RedirectRefused, $"The redirect from '{call.Request.SafeLabel}' to another origin was not followed: the request carries a body.");
            }

            // Only transport headers cross; once dropped, the rest stay dropped, even if a later hop comes back.
            call.Headers = RedirectPolicy.ForAnotherOrigin(call.Headers);
        }

        if (!RedirectPolicy.InCredentialScope(call.Request, next))
        {
            // The same rule by path, on the same origin: a body is never re-sent outside the scope the request was
            // addressed to (the OAuth token form, scoped to its token URL, nor a step's rendered body, scoped to its
            // connection's base URL), and a token form never follows a hop out of it at all: either would hand a
            // secret or the step's data to a path of the host the admin did not name.
            if (call.Request.BodyCarriesCredential || keepsBody && call.Request.CredentialScope is not null)
            {
                return Finish(call, EgressFailure.RedirectRefused, $"The redirect from '{call.Request.SafeLabel}' to a path outside the connection's base URL was not followed: the request carries a body.");
            }

            // A hop outside the connection's base URL (same origin, another path included) gets no credential: no
            // credential header (once dropped, they stay dropped, even if a later hop comes back) and no credential
            // query parameter, even one the Location repeats. Other headers stay on a same-origin hop: only
            // credentials are scoped by path. The hop is still checked by the guard like any other.
            call.Headers = RedirectPolicy.WithoutCredentials(call.Headers);
            next = RedirectPolicy.WithoutCredentialParameter(next, call.Request);
            call.LeftCredentialScope = true;
        }

        call.WithBody = keepsBody;
        call.Method = RedirectPolicy.NextMethod(call.Status!.Value, call.Method);
        call.Url = next;
        call.Redirects++;
        return null;
    }

    private EgressResponse Finish(EgressCall call, EgressFailure failure, string message)
    {
        var label = call.Request.SafeLabel;
        EgressLog.RequestFailed(_logger, label, failure);
        return new EgressResponse
        {
            Failure = failure,
            Error = Scrub(message, call, label),
            StatusCode = call.Status,
            BytesOut = call.BytesOut,
            BytesIn = call.Body?.BytesRead ?? 0,
            Redirects = call.Redirects,
            Duration = _time.GetElapsedTime(call.Started),
        };
    }

    /// <summary>
    /// Messages from the URL checks and the connect callback name the hop's host; that host may have been rendered
    /// from event data or come from a redirect's Location. The message names the request's label instead.
    /// </summary>
    private static string Scrub(string message, EgressCall call, string label)
    {
        foreach (var url in (ReadOnlySpan<Uri>)[call.Url, call.Request.Url])
        {
            if (url.IsAbsoluteUri && url.Host.Length > 0 && url.Host != label)
            {
                message = message.Replace("'" + url.Host + "'", "'" + label + "'", StringComparison.OrdinalIgnoreCase);
                message = message.Replace("'" + url.IdnHost + "'", "'" + label + "'", StringComparison.OrdinalIgnoreCase);
            }
        }

        return message;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
