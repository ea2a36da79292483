using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using BluBees.Api.Infrastructure;

namespace BluBees.Api.Support;

/// <summary>
/// A request under <c>/support</c> that no support route answers is authorized as the support routes are (the support
/// scheme, role and MFA) and then refused without reading anything, so it writes no audit entry; a role or MFA refusal
/// (403) is audited in the tenant the path names, with the method sent, as on the routes themselves (routing's
/// endpoints for these have no route values: the <c>{tenantId}</c> segment is given to them here).
/// <list type="bullet">
/// <item>A method a route does not accept (OPTIONS, POST, DELETE, …): 405 with <c>Allow: GET, HEAD</c>
/// (<see cref="MethodNotAllowed"/>).</item>
/// <item>A path no route has (<c>/support/tenants/{id}/connections</c>, <c>/support/tenants/{id}</c>,
/// <c>/support/tenants/{id}/runs/{runId}/steps</c>, a support path with its leading slash doubled, …), while support
/// access is enabled: 404 ProblemDetails.</item>
/// </list>
/// Before, both fell to the Forge fallback policy: support staff with a valid token were told "The Forge Invocation
/// Token is not valid." (401), and a Forge token was let through to the 404.
/// </summary>
internal static class SupportMethodNotAllowed
{
    private static readonly AuthorizeAttribute SupportPolicy = new(SupportSetup.PolicyName);

    private static readonly Endpoint NoSuchRoute = new(
        static context => Problems.Write(context, StatusCodes.Status404NotFound, "Not found",
            "No support route has this path. The support routes are GET /support/tenants/{tenantId}/runs and GET /support/tenants/{tenantId}/runs/{runId}."),
        new EndpointMetadataCollection(SupportPolicy),
        "Support: no such route");

    /// <summary>Must run after routing and before authorization.</summary>
    public static IApplicationBuilder UseSupportPolicyOnWrongMethods(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        // The path as routing would read it with its leading slashes made one: "//support/…" (a base URL ending in '/'
        // joined with "/support/…") is a support path no route has, not a Forge one (before, the Forge fallback policy
        // told a support engineer with a valid token that the Forge Invocation Token was not valid).
        var path = context.Request.Path;
        if (path.Value is { } raw && raw.StartsWith("//", StringComparison.Ordinal))
        {
            path = new PathString("/" + raw.TrimStart('/'));
        }

        if (!path.StartsWithSegments("/support", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        if (MethodNotAllowed.IsMethodNotAllowed(context.GetEndpoint()) && context.GetEndpoint() is { } endpoint)
        {
            context.SetEndpoint(new Endpoint(endpoint.RequestDelegate, new EndpointMetadataCollection([.. endpoint.Metadata, SupportPolicy]), endpoint.DisplayName));
        }
        else if (context.GetEndpoint() is null && context.RequestServices.GetRequiredService<IOptions<SupportOptions>>().Value.Enabled)
        {
            // No support route has this path. (While support is off no /support route exists, and such a path is
            // answered as any other.)
            context.SetEndpoint(NoSuchRoute);
        }
        else
        {
            return next(context);
        }

        // Every support route is /support/tenants/{tenantId}/…: the segment as routing would have bound it (still encoded).
        var segments = (path.Value ?? string.Empty).Split('/');
        if (segments.Length > 3 && segments[2].Equals("tenants", StringComparison.OrdinalIgnoreCase))
        {
            context.Request.RouteValues["tenantId"] = segments[3];
        }

        return next(context);
    });
}
