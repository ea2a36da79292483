using BluBees.Api.Admin;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Support;

/// <summary>
/// <c>/support/tenants/{tenantId}/runs[/{runId}]</c>: the run log of a tenant that granted access — the same
/// metadata as the admin run log, read through <see cref="RunStore"/>. Nothing else of a tenant has a support route.
/// </summary>
internal static class SupportRunsEndpoints
{
    public static RouteGroupBuilder MapSupportRuns(this RouteGroupBuilder support)
    {
        var tenant = support.MapGroup("/tenants/{tenantId}");
        tenant.MapGet("/runs", ListAsync).Query("ruleId", "status", "from", "to", "limit", "cursor");
        tenant.MapGet("/runs/{runId}", GetAsync);
        return support;
    }

    internal static async Task<Results<Ok<RunPage>, InvalidProblem>> ListAsync(SupportAccess access, HttpRequest request, RunStore runs, CancellationToken ct)
    {
        var (filter, errors) = SupportRunQuery.Parse(request.Query);
        if (filter is null)
        {
            return Problems.Invalid(errors);
        }

        var (items, next) = await runs.ListAsync(access.Tenant.TenantId, filter, ct);
        return TypedResults.Ok(new RunPage(items, next));
    }

    internal static async Task<Results<Ok<RunRecord>, NotFoundProblem>> GetAsync(string runId, SupportAccess access, RunStore runs, CancellationToken ct)
        => await runs.GetForViewAsync(access.Tenant.TenantId, runId, ct) is { } run
            ? TypedResults.Ok(run)
            : Problems.NotFound($"Run '{ConnectionsEndpoints.Safe(runId)}' does not exist.");
}
