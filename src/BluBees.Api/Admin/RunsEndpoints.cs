using System.Globalization;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Api.Permissions;
using BluBees.Engine.Rules;
using BluBees.Engine.Common;
using BluBees.Engine.Runs;
using BluBees.Engine.Validation;
using BluBees.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Admin;

/// <summary>
/// <c>/api/runs</c>: the operational log (metadata only), filterable by rule, status and time — for administrators.
/// <c>/api/issues/{key}/runs?issueId=</c> and <c>/api/issues/{key}/manual-rules</c> serve the issue panel: for users whom
/// Jira allows to browse that issue (checked by <see cref="ApiPermissionFilter"/> before the handler runs; the runs by the
/// issue's id, which they are indexed by).
/// </summary>
internal static class RunsEndpoints
{
    public static RouteGroupBuilder MapRuns(this RouteGroupBuilder api)
    {
        api.MapGet("/runs", ListAsync).Query("ruleId", "status", "from", "to", "limit", "cursor");
        api.MapGet("/runs/{id}", GetAsync);
        api.MapGet("/issues/{key}/runs", ListForIssueAsync).RequiredQuery("issueId").WithApiAccess(ApiAccess.BrowseIssueById);
        api.MapGet("/issues/{key}/manual-rules", ListManualRulesAsync).WithApiAccess(ApiAccess.BrowseIssue);
        return api;
    }

    internal static async Task<Results<Ok<RunPage>, InvalidProblem>> ListAsync(VerifiedTenant tenant, HttpRequest request, RunStore runs, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new ValidationErrors();
        var ruleId = q["ruleId"].ToString() is { Length: > 0 } r ? r : null;
        if (ruleId is not null && !Ids.IsWellFormed(ruleId))
        {
            errors.Add("ruleId", "is not a rule id");
        }

        var status = q["status"].ToString() is { Length: > 0 } s ? s : null;
        if (status is not null && !RunStatus.All.Contains(status))
        {
            errors.Add("status", $"must be one of {string.Join(", ", RunStatus.All)}");
        }

        var from = ParseTime(q["from"].ToString(), "from", errors);
        var to = ParseTime(q["to"].ToString(), "to", errors);
        if (from > to)
        {
            errors.Add("from", "must not be after 'to'");
        }

        var limit = 50;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 200))
        {
            errors.Add("limit", "must be a whole number from 1 to 200");
        }

        var cursor = q["cursor"].ToString() is { Length: > 0 } c ? c : null;
        if (cursor is not null && !Ids.IsTimeOrdered(cursor))
        {
            errors.Add("cursor", "is not a cursor this API returned");
        }

        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var (items, next) = await runs.ListAsync(tenant.Id, new RunFilter(ruleId, status, from, to, limit, cursor), ct);
        return TypedResults.Ok(new RunPage(items, next));
    }

    internal static async Task<Results<Ok<RunRecord>, NotFoundProblem>> GetAsync(string id, VerifiedTenant tenant, RunStore runs, CancellationToken ct)
        => await runs.GetForViewAsync(tenant.Id, id, ct) is { } run
            ? TypedResults.Ok(run)
            : Problems.NotFound($"Run '{ConnectionsEndpoints.Safe(id)}' does not exist.");

    /// <summary>
    /// The issue's runs, with the names of their rules (<c>ruleNames</c>: id → name) so the issue panel can label them
    /// without reading the rule list, which is for administrators. Names only, never definitions. The issue is the one
    /// whose id is <c>issueId</c> (the permission filter checked it, and refused an ill-formed one): runs are indexed by
    /// issue id, which a move to another project keeps and a re-created project's issues never reuse. <c>{key}</c> only
    /// finds what builds before the id index wrote under the key, and of that only runs whose record names this id.
    /// </summary>
    internal static async Task<Results<Ok<IssueRunsResponse>, InvalidProblem>> ListForIssueAsync(
        string key, VerifiedTenant tenant, HttpRequest request, RunStore runs, RuleService rules, CancellationToken ct)
    {
        if (!IssueAccess.IsIssueKey(key))
        {
            return Problems.Invalid("key", "is not an issue key");
        }

        if (request.Query["issueId"] is not [{ } issueId] || !IssueAccess.IsIssueId(issueId))
        {
            return Problems.Invalid("issueId", "is required once: the issue's id (digits)");
        }

        var items = await runs.ListForIssueAsync(tenant.Id, issueId, key, 50, ct);
        var ids = items.Select(r => r.RuleId).ToHashSet(StringComparer.Ordinal);
        // The cached heads (one point read of the stamp): the panel opens with every issue view.
        var names = (await rules.ListHeadsForRunAsync(tenant.Id, ct))
            .Where(h => ids.Contains(h.Id)).ToDictionary(h => h.Id, h => h.Name, StringComparer.Ordinal);
        return TypedResults.Ok(new IssueRunsResponse(items, names));
    }

    internal sealed record IssueRunsResponse(IReadOnlyList<RunRecord> Items, IReadOnlyDictionary<string, string> RuleNames);

    /// <summary>The enabled rules with a manual trigger, by id and name only: what the issue panel may offer to run.</summary>
    internal static async Task<Ok<ItemsResponse<ManualRuleView>>> ListManualRulesAsync(string key, VerifiedTenant tenant, RuleService rules, CancellationToken ct)
    {
        var heads = await rules.ListHeadsForRunAsync(tenant.Id, ct);
        return TypedResults.Ok(new ItemsResponse<ManualRuleView>(
            [.. heads.Where(h => h.Enabled && h.TriggerType == "manual").Select(h => new ManualRuleView(h.Id, h.Name, true, "manual"))]));
    }

    private static DateTimeOffset? ParseTime(string text, string field, ValidationErrors errors)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        errors.Add(field, "must be an ISO-8601 date-time");
        return null;
    }
}

/// <summary>A manual rule as the issue panel sees it (nothing of its definition).</summary>
internal sealed record ManualRuleView(string Id, string Name, bool Enabled, string TriggerType);

internal sealed record RunPage(IReadOnlyList<RunRecord> Items, string? NextCursor);
