namespace BluBees.Api.Infrastructure;

/// <summary>
/// A method the route does not accept is a 405 whose <c>Allow</c> also names HEAD where it names GET (HEAD is answered
/// wherever GET is, <see cref="HeadRequests"/>; RFC 9110 §10.2.1). It runs after authorization, like every route: a
/// caller without a valid token gets the 401 of any path but <c>GET /health</c> and <c>GET /ready</c> (even a wrong
/// method on those two), so the routes and their methods cannot be probed anonymously (docs/api.md, Errors).
/// </summary>
internal static class MethodNotAllowed
{
    /// <summary>The display name routing's HttpMethodMatcherPolicy gives the endpoint it selects when only the method does not match.</summary>
    private const string EndpointName = "405 HTTP Method Not Supported";

    /// <summary>Whether routing selected its 405 endpoint (the path matched a route, the method none).</summary>
    public static bool IsMethodNotAllowed(Endpoint? endpoint) => endpoint is { DisplayName: EndpointName };

    /// <summary>Must run after routing and authorization.</summary>
    public static IApplicationBuilder UseMethodNotAllowed(this IApplicationBuilder app) => app.Use(static (context, next) =>
        context.GetEndpoint() is { DisplayName: EndpointName, RequestDelegate: { } answer } ? AnswerAsync(context, answer) : next(context));

    /// <summary>The framework's 405, whose <c>Allow</c> also names HEAD where GET is allowed (<see cref="HeadRequests"/>).</summary>
    private static async Task AnswerAsync(HttpContext context, RequestDelegate answer)
    {
        await answer(context);
        var allow = context.Response.Headers.Allow.ToString().Split(", ", StringSplitOptions.RemoveEmptyEntries);
        if (allow.Contains(HttpMethods.Get) && !allow.Contains(HttpMethods.Head))
        {
            context.Response.Headers.Allow = string.Join(", ", [.. allow, HttpMethods.Head]);
        }
    }
}
