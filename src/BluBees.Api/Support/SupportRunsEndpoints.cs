using BluBees.Api.Admin;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Runs;

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
        tenant.MapGet("/runs", ListAsync);
        tenant.MapGet("/runs/{runId}", GetAsync);
        return support;
    }

    internal static async Task<IResult> ListAsync(HttpContext context, RunStore runs)
    {
        var access = SupportTenant.Of(context);
        var (filter, errors) = SupportRunQuery.Parse(context.Request.Query);
        if (filter is null)
        {
            return Problems.Invalid(errors);
        }

        var (items, next) = await runs.ListAsync(access.TenantId, filter, context.RequestAborted);
        return TypedResults.Ok(new RunPage(items, next));
    }

    internal static async Task<IResult> GetAsync(string runId, HttpContext context, RunStore runs)
        => await runs.GetAsync(SupportTenant.Of(context).TenantId, runId, context.RequestAborted) is { } run
            ? TypedResults.Ok(run)
            : Problems.NotFound($"Run '{ConnectionsEndpoints.Safe(runId)}' does not exist.");
}
