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
        context.GetEndpoint() is { DisplayName: EndpointName, RequestDelegate: { } answer } ? answer(context) : next(context));
}
