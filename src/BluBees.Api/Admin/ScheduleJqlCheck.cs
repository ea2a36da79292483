using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Api.JiraUser;
using BluBees.Api.Permissions;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Warnings;

namespace BluBees.Api.Admin;

/// <summary>
/// A schedule's JQL, checked by Jira when the rule is saved or validated (<see cref="UserJqlCheck"/>, the caller's own
/// token). A JQL Jira cannot parse is a 400 naming <c>trigger.schedule.jql</c> (it could never fire); one naming
/// something the user cannot see, or that Jira could not be asked about, is saved with a warning: the app's token,
/// which runs the search, may see more, and saving never waits on Jira being reachable.
/// </summary>
internal static class ScheduleJqlCheck
{
    public const string Path = "trigger.schedule.jql";

    public static async Task<(InvalidProblem? Problem, IReadOnlyList<RuleWarning> Warnings)> CheckAsync(VerifiedTenant tenant, HttpRequest request, RuleDefinition definition)
    {
        // Only a JQL the rule validation will accept (1–2,000 characters); anything else gets its error from there.
        if (definition.Trigger?.Schedule?.Jql is not { Length: > 0 and <= 2000 } jql || string.IsNullOrWhiteSpace(jql))
        {
            return (null, []);
        }

        var check = await request.HttpContext.RequestServices.GetRequiredService<UserJqlCheck>().CheckAsync(
            tenant.Context, request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), jql, request.HttpContext.RequestAborted);
        return check.Verdict switch
        {
            JqlVerdict.Malformed => (Problems.Invalid(Path, "Jira cannot parse this JQL" + (check.Line is { } line ? $" (line {line}, character {check.Character})" : string.Empty)
                + "; a schedule whose JQL Jira refuses fires nothing"), []),
            JqlVerdict.UnknownValues => (null, [new RuleWarning(Path, "jql_unknown_value",
                "Jira says this JQL names a field, value or function that does not exist or that you cannot see; if the app cannot see it either, the schedule fires nothing.")]),
            JqlVerdict.NotChecked => (null, [new RuleWarning(Path, "jql_not_checked", "Jira could not be asked to check this JQL, so it was not checked.")]),
            _ => (null, []),
        };
    }
}
