namespace BluBees.Api.Infrastructure;

/// <summary>
/// A method the route does not accept is a 405 (with <c>Allow</c>) before any authentication: the framework's 405
/// endpoint carries no authorization metadata, so the Forge fallback policy answered it with a 401 asking for a Forge
/// token, even on routes that take none (<c>POST /health</c>). What it tells (the route exists, its methods) is in the
/// published API documents; an unknown path still needs a token (a 401, not a 404).
/// </summary>
internal static class MethodNotAllowed
{
    /// <summary>The display name routing's HttpMethodMatcherPolicy gives the endpoint it selects when only the method does not match.</summary>
    private const string EndpointName = "405 HTTP Method Not Supported";

    /// <summary>Must run after routing and before authentication.</summary>
    public static IApplicationBuilder UseMethodNotAllowedFirst(this IApplicationBuilder app) => app.Use(static (context, next) =>
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
