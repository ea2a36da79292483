using Microsoft.AspNetCore.Authorization;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// A method the route does not accept is a 405 whose <c>Allow</c> also names HEAD where it names GET (HEAD is answered
/// wherever GET is, <see cref="HeadRequests"/>; RFC 9110 §10.2.1). It is authorized as the route is: a caller without a
/// valid token gets the 401 of any route that needs one, so the routes and their methods cannot be probed anonymously;
/// a route anyone may call (<c>/health</c>, <c>/ready</c>: <see cref="AnswerWrongMethodsToAnyone"/>) answers a wrong
/// method with its 405 to anyone, which tells no more than its GET (docs/api.md, Errors).
/// </summary>
internal static class MethodNotAllowed
{
    /// <summary>The display name routing's HttpMethodMatcherPolicy gives the endpoint it selects when only the method does not match.</summary>
    private const string EndpointName = "405 HTTP Method Not Supported";

    private static readonly AllowAnonymousAttribute Anyone = new();

    /// <summary>Whether routing selected its 405 endpoint (the path matched a route, the method none).</summary>
    public static bool IsMethodNotAllowed(Endpoint? endpoint) => endpoint is { DisplayName: EndpointName };

    /// <summary>
    /// Marks an anonymous route whose wrong methods are answered 405 without a token. Only for a route with a fixed
    /// path (no parameters) that anyone may call from anywhere: not one answering only loopback callers.
    /// </summary>
    public static TBuilder AnswerWrongMethodsToAnyone<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(PublicRoute.Marker);

    /// <summary>
    /// Must run after routing and before authorization: routing's 405 endpoint carries no metadata, so the fallback
    /// policy (a Forge token) applies to it; on the path of a route marked <see cref="AnswerWrongMethodsToAnyone"/>
    /// (every route of that path marked) it is made anonymous.
    /// </summary>
    public static IApplicationBuilder UseWrongMethodsOfPublicRoutes(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        if (context.GetEndpoint() is { DisplayName: EndpointName } endpoint && IsPublicPath(context))
        {
            context.SetEndpoint(new Endpoint(endpoint.RequestDelegate, new EndpointMetadataCollection([.. endpoint.Metadata, Anyone]), endpoint.DisplayName));
        }

        return next(context);
    });

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

    /// <summary>
    /// Whether the request's path is that of marked routes only, compared as routing does (ignoring case and a trailing
    /// slash). Read from the endpoint table on each 405: a wrong method is rare, the table small.
    /// </summary>
    private static bool IsPublicPath(HttpContext context)
    {
        var path = (context.Request.Path.Value ?? string.Empty).TrimEnd('/');
        var any = false;
        foreach (var route in context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (route.RoutePattern.Parameters.Count == 0
                && string.Equals("/" + (route.RoutePattern.RawText ?? string.Empty).Trim('/'), path, StringComparison.OrdinalIgnoreCase))
            {
                if (route.Metadata.GetMetadata<PublicRoute>() is null || route.Metadata.GetMetadata<IAllowAnonymous>() is null)
                {
                    return false;
                }

                any = true;
            }
        }

        return any;
    }

    private sealed class PublicRoute
    {
        public static readonly PublicRoute Marker = new();
    }
}
