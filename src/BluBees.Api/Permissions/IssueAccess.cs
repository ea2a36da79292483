using System.Text.RegularExpressions;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Permissions;

/// <summary>
/// Issue-level permission checks: an issue's runs are visible to users whom Jira allows to browse the issue
/// (BROWSE_PROJECTS), and a manual run needs a user whom Jira allows to edit it (BROWSE_PROJECTS and EDIT_ISSUES).
/// Jira is asked with the caller's own user token; answers are cached briefly (see <see cref="PermissionAnswerCache"/>).
/// </summary>
internal static partial class IssueAccess
{
    /// <summary>The permissions a manual run needs on its issue.</summary>
    public const string Edit = JiraPermissionChecker.BrowseProjects + "," + JiraPermissionChecker.EditIssues;

    /// <summary>The permission needed to see an issue's runs.</summary>
    public const string Browse = JiraPermissionChecker.BrowseProjects;

    /// <summary>Issue keys as Jira makes them (project key, dash, number); anything else is never sent to Jira.</summary>
    public static bool IsIssueKey(string? key) => key is { Length: > 0 and <= 100 } && IssueKeyPattern().IsMatch(key);

    /// <summary>Null when Jira grants the caller <paramref name="permissions"/> on the issue, else the refusal to answer with.</summary>
    public static async Task<Results<ForbiddenProblem, UnavailableProblem>?> RefuseUnlessAsync(VerifiedTenant tenant, HttpRequest request, string issueKey, string permissions)
    {
        var checker = request.HttpContext.RequestServices.GetRequiredService<JiraPermissionChecker>();
        var status = await checker.CheckIssueAsync(tenant.Context, request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), issueKey, permissions, request.HttpContext.RequestAborted);
        return status == PermissionStatus.Granted ? null : Refusal(status, issueKey, permissions);
    }

    /// <summary>
    /// As <see cref="RefuseUnlessAsync"/>, with Jira asked about the issue by its id (<c>issueId</c> of "Get my
    /// permissions"): for what is indexed by id. <paramref name="issueKey"/> only names the issue in the refusal.
    /// </summary>
    public static async Task<Results<ForbiddenProblem, UnavailableProblem>?> RefuseUnlessByIdAsync(
        VerifiedTenant tenant, HttpRequest request, string issueKey, string issueId, string permissions)
    {
        var checker = request.HttpContext.RequestServices.GetRequiredService<JiraPermissionChecker>();
        var status = await checker.CheckIssueByIdAsync(tenant.Context, request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), issueId, permissions, request.HttpContext.RequestAborted);
        return status == PermissionStatus.Granted ? null : Refusal(status, issueKey, permissions);
    }

    /// <summary>A Jira issue id as Jira hands it out (digits); anything else is never sent to Jira.</summary>
    public static bool IsIssueId(string? id) => Engine.Runs.RunStore.IsIssueId(id);

    private static Results<ForbiddenProblem, UnavailableProblem> Refusal(PermissionStatus status, string issueKey, string permissions)
    {
        var edit = permissions == Edit;
        var extensions = new Dictionary<string, object?> { ["requiredPermission"] = edit ? JiraPermissionChecker.EditIssues : JiraPermissionChecker.BrowseProjects };
        var only = edit
            ? $"Only users who may edit issue {issueKey} in Jira can run rules on it."
            : $"Only users who may browse issue {issueKey} in Jira can see its runs.";
        return status switch
        {
            PermissionStatus.Unavailable => Problems.Unavailable(
                "Permission check unavailable",
                $"{only} Jira did not confirm your permission in time; try again shortly.", extensions),
            PermissionStatus.NoUserToken => Forbidden($"{only} The request carries no user token ({JiraPermissionChecker.UserTokenHeader}), so the permission could not be verified.", extensions),
            PermissionStatus.NoUser => Forbidden($"{only} The request was not made by a signed-in Jira user.", extensions),
            PermissionStatus.Unverifiable => Forbidden($"{only} Jira did not accept the user token, so the permission could not be verified.", extensions),
            PermissionStatus.WrongUser => Forbidden($"{only} {JiraPermissionChecker.WrongUserDetail}", extensions),
            _ => Forbidden($"{only} Jira says you may not.", extensions),
        };
    }

    private static ForbiddenProblem Forbidden(string detail, IDictionary<string, object?> extensions)
        => Problems.Forbidden(detail, extensions);

    [GeneratedRegex("^[A-Z][A-Z0-9_]*-[0-9]{1,18}$", RegexOptions.CultureInvariant)]
    private static partial Regex IssueKeyPattern();
}
