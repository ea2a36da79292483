namespace BluBees.Api.Infrastructure;

/// <summary>
/// HEAD is answered wherever GET is (RFC 9110 §9.1: a general-purpose server must support both; §9.3.2: HEAD is GET
/// without the content): the request is routed, authenticated and answered as a GET, and Kestrel, which parsed the
/// method as HEAD, sends the status and headers without the body. Load balancers and uptime monitors probe
/// <c>/health</c> this way; without it they got a 405, or a 401 since no anonymous route matched. The method as sent
/// is kept (<see cref="MethodAsSent"/>) for what must say what happened: the support audit records a HEAD as HEAD.
/// </summary>
internal static class HeadRequests
{
    private static readonly object SentAsHead = new();

    /// <summary>Must run before routing (<see cref="Microsoft.AspNetCore.Builder.EndpointRoutingApplicationBuilderExtensions.UseRouting"/>).</summary>
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        if (HttpMethods.IsHead(context.Request.Method))
        {
            context.Items[SentAsHead] = true;
            context.Request.Method = HttpMethods.Get;
        }

        return next(context);
    });

    /// <summary>The request's method as the client sent it (HEAD for a HEAD answered as a GET).</summary>
    public static string MethodAsSent(HttpContext context) => context.Items.ContainsKey(SentAsHead) ? HttpMethods.Head : context.Request.Method;
}
