using Microsoft.AspNetCore.Authorization;
using BluBees.Api.Infrastructure;

namespace BluBees.Api.Support;

/// <summary>
/// A method a <c>/support</c> route does not accept (OPTIONS, POST, DELETE, …) is authorized as the support routes are
/// (the support scheme, role and MFA), then answered 405 with <c>Allow: GET, HEAD</c> (<see cref="MethodNotAllowed"/>):
/// it reads nothing, so it writes no audit entry; a role or MFA refusal (403) is audited in the tenant the path names,
/// with the method sent, as on the routes themselves (routing's 405 endpoint has no route values: the
/// <c>{tenantId}</c> segment is given to it here). Before, routing's 405 endpoint carried no policy and fell to the
/// Forge fallback: support staff with a valid token were told "The Forge Invocation Token is not valid." (401).
/// </summary>
internal static class SupportMethodNotAllowed
{
    private static readonly AuthorizeAttribute SupportPolicy = new(SupportSetup.PolicyName);

    /// <summary>Must run after routing and before authorization.</summary>
    public static IApplicationBuilder UseSupportPolicyOnWrongMethods(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        if (MethodNotAllowed.IsMethodNotAllowed(context.GetEndpoint()) && context.GetEndpoint() is { } endpoint
            && context.Request.Path.StartsWithSegments("/support", StringComparison.OrdinalIgnoreCase))
        {
            context.SetEndpoint(new Endpoint(endpoint.RequestDelegate, new EndpointMetadataCollection([.. endpoint.Metadata, SupportPolicy]), endpoint.DisplayName));

            // Every support route is /support/tenants/{tenantId}/…: the segment as routing would have bound it (still encoded).
            var segments = (context.Request.Path.Value ?? string.Empty).Split('/');
            if (segments.Length > 3 && segments[2].Equals("tenants", StringComparison.OrdinalIgnoreCase))
            {
                context.Request.RouteValues["tenantId"] = segments[3];
            }
        }

        return next(context);
    });
}
