using Microsoft.AspNetCore.Http.Features;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// The limits on a request's head (its target and its headers) are ours, answered with a ProblemDetails that names
/// what is too large, like every other refusal. Kestrel refuses a head over its own limits before any application
/// code runs, with an empty body, so its limits are set above ours (<see cref="ServerTargetBytes"/>,
/// <see cref="ServerHeaderBytes"/>, <see cref="ServerHeaderCount"/>): only a head past those still gets Kestrel's
/// empty 414 or 431 (docs/api.md, Errors). Nothing the caller sent is echoed: not a header's name, not its value.
/// Runs before authentication: the answer depends on the request's size alone, not on a route or a tenant.
/// </summary>
internal static class RequestHeadLimits
{
    /// <summary>The request target (path and query string) at most, in bytes as sent (percent-encoded).</summary>
    public const int MaxTargetBytes = 8 * 1024;

    /// <summary>Every header's name and value together at most, in characters (Kestrel's own default).</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>At most this many header fields (Kestrel's own default).</summary>
    public const int MaxHeaderCount = 100;

    /// <summary>Kestrel's request-line limit: the method, the target and the version, with room above ours.</summary>
    public const int ServerTargetBytes = 64 * 1024;

    /// <summary>Kestrel's header limit, above ours.</summary>
    public const int ServerHeaderBytes = 64 * 1024;

    /// <summary>Kestrel's header-count limit, above ours.</summary>
    public const int ServerHeaderCount = 200;

    public static IApplicationBuilder UseRequestHeadLimits(this IApplicationBuilder app) => app.Use(static (context, next) =>
        Refusal(context) is { } refusal ? refusal.ExecuteAsync(context) : next(context));

    private static IResult? Refusal(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.ToString() + request.QueryString;
        if (target.Length > MaxTargetBytes)
        {
            var queryAt = target.IndexOf('?', StringComparison.Ordinal);
            var field = queryAt >= 0 && target.Length - queryAt > queryAt ? "query" : "path";
            return Refuse(
                StatusCodes.Status414UriTooLong,
                "URI too long",
                field,
                $"The request target (path and query) is {target.Length:N0} bytes; at most {MaxTargetBytes:N0} are accepted.");
        }

        if (request.Headers.Count > MaxHeaderCount)
        {
            return Refuse(
                StatusCodes.Status431RequestHeaderFieldsTooLarge,
                "Request header fields too large",
                "headers",
                $"The request has {request.Headers.Count:N0} header fields; at most {MaxHeaderCount:N0} are accepted.");
        }

        var size = 0L;
        foreach (var (name, values) in request.Headers)
        {
            size += name.Length;
            foreach (var value in values)
            {
                size += value?.Length ?? 0;
            }
        }

        return size > MaxHeaderBytes
            ? Refuse(
                StatusCodes.Status431RequestHeaderFieldsTooLarge,
                "Request header fields too large",
                "headers",
                $"The request's header fields are {size:N0} characters together; at most {MaxHeaderBytes:N0} are accepted.")
            : null;
    }

    private static IResult Refuse(int status, string title, string field, string message)
        => Problems.Status(status, title, message, new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });
}
