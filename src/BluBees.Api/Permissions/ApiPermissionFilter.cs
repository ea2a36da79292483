using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;

namespace BluBees.Api.Permissions;

/// <summary>
/// Who may call what under <c>/api</c>. Configuration — connections, rules and their versions, dry runs, webhooks,
/// the run log, support grants and audit, reads included — is for Jira administrators only (global ADMINISTER), and
/// so is any route that does not say otherwise. The exceptions carry <see cref="ApiAccess"/>: <c>/api/me</c> (any
/// signed-in user), an issue's manual rules (users who may browse that issue; checked here from the route's <c>{key}</c>)
/// and its runs (users who may browse it; checked here from the query's <c>issueId</c>, the id its runs are indexed by), and manual runs (users who may edit the issue named in the body; checked by the handler). Refusals are
/// 403 ProblemDetails; when Jira cannot be reached the request is refused too (503: try again), never let through.
/// </summary>
internal sealed class ApiPermissionFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var access = http.GetEndpoint()?.Metadata.GetMetadata<ApiAccess>();
        switch (access?.Kind)
        {
            case ApiAccessKind.AnyUser:
            case ApiAccessKind.EditIssueInBody:
                return await next(context);
            case ApiAccessKind.BrowseIssue:
                var key = http.Request.RouteValues["key"] as string;
                if (!IssueAccess.IsIssueKey(key))
                {
                    return Problems.Invalid("key", "is not an issue key (project key in capitals, dash, number, e.g. OPS-17)");
                }

                return (object?)await IssueAccess.RefuseUnlessAsync(VerifiedTenant.Of(http), http.Request, key!, IssueAccess.Browse) ?? await next(context);
            case ApiAccessKind.BrowseIssueById:
                var issueKey = http.Request.RouteValues["key"] as string;
                if (!IssueAccess.IsIssueKey(issueKey))
                {
                    return Problems.Invalid("key", "is not an issue key (project key in capitals, dash, number, e.g. OPS-17)");
                }

                if (http.Request.Query["issueId"] is not [{ } issueId] || !IssueAccess.IsIssueId(issueId))
                {
                    return Problems.Invalid("issueId", "is required once: the issue's id (digits, e.g. 10042), as the issue view's context gives it");
                }

                return (object?)await IssueAccess.RefuseUnlessByIdAsync(VerifiedTenant.Of(http), http.Request, issueKey!, issueId, IssueAccess.Browse) ?? await next(context);
            default:
                var checker = http.RequestServices.GetRequiredService<JiraPermissionChecker>();
                var status = await checker.CheckAdminAsync(VerifiedTenant.Of(http).Context, http.Request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), http.RequestAborted);
                return status == PermissionStatus.Granted ? await next(context) : Refusal(status, Subject(http), IsRead(http.Request.Method));
        }
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    internal static IResult Refusal(PermissionStatus status, string subject, bool read)
    {
        var extensions = new Dictionary<string, object?> { ["requiredPermission"] = "ADMINISTER" };
        var only = read ? $"Only Jira administrators can see {subject}." : $"Only Jira administrators can change {subject}.";
        return status switch
        {
            PermissionStatus.Unavailable => Problems.Status(
                StatusCodes.Status503ServiceUnavailable, "Permission check unavailable",
                $"{only} Jira did not confirm your administrator status in time, so nothing was {(read ? "shown" : "changed")}; try again shortly.", extensions),
            PermissionStatus.NoUserToken => Forbidden($"{only} The request carries no user token ({JiraPermissionChecker.UserTokenHeader}), so administrator status could not be verified.", extensions),
            PermissionStatus.NoUser => Forbidden($"{only} The request was not made by a signed-in Jira user.", extensions),
            PermissionStatus.Unverifiable => Forbidden($"{only} Jira did not accept the user token, so administrator status could not be verified.", extensions),
            PermissionStatus.WrongUser => Forbidden($"{only} {JiraPermissionChecker.WrongUserDetail}", extensions),
            _ => Forbidden($"{only} You are not a Jira administrator of this site.", extensions),
        };
    }

    private static IResult Forbidden(string detail, IDictionary<string, object?> extensions)
        => Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", detail, extensions);

    /// <summary>What the route reads or changes, in words, from its first segment under /api.</summary>
    private static string Subject(HttpContext http)
    {
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value ?? string.Empty;
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return (segments.Length > 1 ? segments[1] : string.Empty).ToUpperInvariant() switch
        {
            "CONNECTIONS" => "connections",
            "RULES" => "rules",
            "WEBHOOKS" => "webhooks",
            "RUNS" => "the run log",
            "SUPPORT" => "support access grants",
            _ => "the app's configuration",
        };
    }
}
