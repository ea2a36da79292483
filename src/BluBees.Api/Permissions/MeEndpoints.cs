using BluBees.Api.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Permissions;

/// <summary>
/// <c>GET /api/me</c>: who is calling and whether they may change configuration, so the UI can show or hide its
/// administration pages or only the issue panel. Display only: every request is checked again on the server.
/// </summary>
internal static class MeEndpoints
{
    public static async Task<Ok<MeResponse>> GetAsync(VerifiedTenant tenant, HttpRequest request, JiraPermissionChecker checker, CancellationToken ct)
    {
        var status = await checker.CheckAdminAsync(tenant.Context, request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), ct);

        // Anything short of a confirmed "yes" shows the read-only UI (fail closed).
        return TypedResults.Ok(new MeResponse(tenant.AccountId, status == PermissionStatus.Granted));
    }
}

/// <summary>The calling user and whether Jira confirms them as an administrator.</summary>
internal sealed record MeResponse(string? AccountId, bool IsAdmin);
