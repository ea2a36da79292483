using BluBees.Api.Auth;

namespace BluBees.Api.Permissions;

/// <summary>
/// <c>GET /api/me</c>: who is calling and whether they may change configuration, so the UI can show or hide its
/// administration pages or only the issue panel. Display only: every request is checked again on the server.
/// </summary>
internal static class MeEndpoints
{
    public static async Task<IResult> GetAsync(HttpContext context, JiraPermissionChecker checker)
    {
        var tenant = context.Tenant();
        var status = await checker.CheckAdminAsync(tenant, context.Request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), context.RequestAborted);

        // Anything short of a confirmed "yes" shows the read-only UI (fail closed).
        return TypedResults.Ok(new MeResponse(tenant.PrincipalAccountId, status == PermissionStatus.Granted));
    }
}

/// <summary>The calling user and whether Jira confirms them as an administrator.</summary>
internal sealed record MeResponse(string? AccountId, bool IsAdmin);
