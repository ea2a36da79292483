using System.Globalization;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Common;
using BluBees.Engine.Runs;
using BluBees.Engine.Validation;

namespace BluBees.Api.Admin;

/// <summary><c>/api/runs</c>: the operational log (metadata only), filterable by rule, status and time.</summary>
public static class RunsEndpoints
{
    public static RouteGroupBuilder MapRuns(this RouteGroupBuilder api)
    {
        api.MapGet("/runs", ListAsync);
        api.MapGet("/runs/{id}", GetAsync);
        api.MapGet("/issues/{key}/runs", ListForIssueAsync);
        return api;
    }

    internal static async Task<IResult> ListAsync(HttpContext context, RunStore runs)
    {
        var q = context.Request.Query;
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
        if (cursor is not null && !Ids.IsWellFormed(cursor))
        {
            errors.Add("cursor", "is not a cursor this API returned");
        }

        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var (items, next) = await runs.ListAsync(context.Tenant().TenantId, new RunFilter(ruleId, status, from, to, limit, cursor), context.RequestAborted);
        return TypedResults.Ok(new RunPage(items, next));
    }

    internal static async Task<IResult> GetAsync(string id, HttpContext context, RunStore runs)
        => await runs.GetAsync(context.Tenant().TenantId, id, context.RequestAborted) is { } run
            ? TypedResults.Ok(run)
            : Problems.NotFound($"Run '{ConnectionsEndpoints.Safe(id)}' does not exist.");

    internal static async Task<IResult> ListForIssueAsync(string key, HttpContext context, RunStore runs)
    {
        if (key.Length is 0 or > 100 || !key.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
        {
            return Problems.Invalid("key", "is not an issue key");
        }

        return TypedResults.Ok(new ItemsResponse<RunRecord>(await runs.ListForIssueAsync(context.Tenant().TenantId, key, 50, context.RequestAborted)));
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

public sealed record RunPage(IReadOnlyList<RunRecord> Items, string? NextCursor);
