using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;

namespace BluBees.Api.Permissions;

/// <summary>
/// Every POST/PUT/PATCH/DELETE (anything but GET/HEAD/OPTIONS) under <c>/api</c>, and every request under
/// <c>/api/support</c>, needs a Jira administrator, except
/// read-only actions (dry runs) and endpoints marked <see cref="AnyUserMayWrite"/> (manual runs). Refusals are
/// 403 ProblemDetails; when Jira cannot be reached the write is refused too (503: try again), never let through.
/// </summary>
public sealed class AdminWriteFilter : IEndpointFilter
{
    /// <summary>POSTs that change nothing: they evaluate a rule against a sample event and send nothing.</summary>
    private static readonly HashSet<string> ReadOnlyPosts = new(StringComparer.OrdinalIgnoreCase) { "/api/rules/dry-run", "/api/rules/{id}/dry-run" };

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!RequiresAdmin(http))
        {
            return await next(context);
        }

        var checker = http.RequestServices.GetRequiredService<JiraPermissionChecker>();
        var status = await checker.CheckAsync(http.Tenant(), http.Request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), http.RequestAborted);
        return status == AdminStatus.Admin ? await next(context) : Refusal(status, Subject(http));
    }

    public static bool RequiresAdmin(HttpContext http)
    {
        var method = http.Request.Method;
        // Support grants and the support audit name our staff and who granted access: admins only, reads included.
        if (http.Request.Path.StartsWithSegments("/api/support", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        {
            return false;
        }

        var endpoint = http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<AnyUserMayWrite>() is not null)
        {
            return false;
        }

        return !(HttpMethods.IsPost(method) && endpoint is RouteEndpoint { RoutePattern.RawText: { } pattern } && ReadOnlyPosts.Contains(pattern));
    }

    internal static IResult Refusal(AdminStatus status, string subject)
    {
        var extensions = new Dictionary<string, object?> { ["requiredPermission"] = "ADMINISTER" };
        var only = $"Only Jira administrators can change {subject}.";
        return status switch
        {
            AdminStatus.Unavailable => Problems.Status(
                StatusCodes.Status503ServiceUnavailable, "Permission check unavailable",
                $"{only} Jira did not confirm your administrator status in time, so nothing was changed; try again shortly.", extensions),
            AdminStatus.NoUserToken => Forbidden($"{only} The request carries no user token ({JiraPermissionChecker.UserTokenHeader}), so administrator status could not be verified.", extensions),
            AdminStatus.NoUser => Forbidden($"{only} The request was not made by a signed-in Jira user.", extensions),
            AdminStatus.Unverifiable => Forbidden($"{only} Jira did not accept the user token, so administrator status could not be verified.", extensions),
            _ => Forbidden($"{only} You are not a Jira administrator of this site.", extensions),
        };
    }

    private static IResult Forbidden(string detail, IDictionary<string, object?> extensions)
        => Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", detail, extensions);

    /// <summary>What the route changes, in words, from its first segment under /api.</summary>
    private static string Subject(HttpContext http)
    {
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value ?? string.Empty;
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return (segments.Length > 1 ? segments[1] : string.Empty).ToUpperInvariant() switch
        {
            "CONNECTIONS" => "connections",
            "RULES" => "rules",
            "WEBHOOKS" => "webhooks",
            "SUPPORT" => "support access grants",
            _ => "the app's configuration",
        };
    }
}
