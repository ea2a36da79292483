using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Api.JiraUser;
using BluBees.Api.Permissions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Events;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Admin;

/// <summary>
/// <c>GET /api/issues/{key}/sample-event?eventType=&amp;field=&amp;from=&amp;to=</c>: a dry run's sample event built from
/// a real issue. Administrators only, like every configuration route; the issue is read from Jira with the caller's
/// own token (Jira's "Get issue",
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get),
/// so the caller's browse permission applies: an issue they may not see is a 404, as Jira answers it. The answer is
/// for the caller's dry run only: it is built in memory, never stored, never logged, and marked no-store.
/// </summary>
internal static class SampleEventEndpoints
{
    public static RouteGroupBuilder MapSampleEvents(this RouteGroupBuilder api)
    {
        api.MapGet("/issues/{key}/sample-event", GetAsync)
            .Query("eventType", "field", "from", "to");
        return api;
    }

    internal static async Task<Results<Ok<System.Text.Json.Nodes.JsonObject>, InvalidProblem, NotFoundProblem, ForbiddenProblem, UnavailableProblem, BadGatewayProblem>> GetAsync(
        string key, string? eventType, string? field, string? from, string? to, VerifiedTenant tenant, HttpRequest request, HttpResponse response, JiraUserClient jira, TimeProvider time, CancellationToken ct)
    {
        if (!IssueAccess.IsIssueKey(key))
        {
            return Problems.Invalid("key", "is not an issue key (project key in capitals, dash, number, e.g. OPS-17)");
        }

        eventType = string.IsNullOrEmpty(eventType) ? EventTypes.IssueUpdated : eventType;
        if (!EventTypes.Supported.Contains(eventType))
        {
            return Problems.Invalid("eventType", $"is not a Jira event type rules can use: one of {string.Join(", ", EventTypes.Supported.Order(StringComparer.Ordinal))}");
        }

        foreach (var (name, value) in new[] { ("field", field), ("from", from), ("to", to) })
        {
            if (value is { Length: > 255 })
            {
                return Problems.Invalid(name, "may be at most 255 characters");
            }
        }

        var withComments = eventType is EventTypes.IssueCommented or EventTypes.CommentDeleted;
        var read = await jira.GetAsync(
            tenant.Context, request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(),
            $"/rest/api/3/issue/{Uri.EscapeDataString(key)}?fields={Uri.EscapeDataString(withComments ? "*navigable,comment" : "*navigable")}",
            ct);
        if (read.Status != JiraReadStatus.Ok)
        {
            return read.Status switch
            {
                JiraReadStatus.NotFound => Problems.NotFound($"Issue {key} does not exist, or Jira does not let you see it."),
                JiraReadStatus.Refused => Problems.Forbidden(
                    $"Jira did not accept your user token to read issue {key}, so no sample event was built.",
                    new Dictionary<string, object?> { ["requiredPermission"] = JiraPermissionChecker.BrowseProjects }),
                JiraReadStatus.Unreadable => Problems.BadGateway(
                    "Unexpected answer from Jira", $"Jira's answer for issue {key} could not be read as JSON; paste the event JSON instead."),
                _ => Problems.Unavailable(
                    "Jira unavailable", $"Jira did not answer in time, or answered with an error, for issue {key}; try again shortly or paste the event JSON."),
            };
        }

        var sample = SampleEventBuilder.Build(read.Body, eventType, new FieldChange(field, from, to), tenant.AccountId, time.GetUtcNow());
        if (sample is null)
        {
            return Problems.BadGateway("Unexpected answer from Jira", $"Jira's answer for issue {key} is not an issue; paste the event JSON instead.");
        }

        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(sample);
    }
}

/// <summary>The trigger's <c>fieldChanged</c>, for the sample's changelog.</summary>
internal sealed record FieldChange(string? Field, string? From, string? To);
