namespace BluBees.Api.Infrastructure;

/// <summary>Headers every response carries: HSTS, nosniff, no caching, no framing. No cookie is ever set.</summary>
internal static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-store";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.Remove("Set-Cookie");
            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
