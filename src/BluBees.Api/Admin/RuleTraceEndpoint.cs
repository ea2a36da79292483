using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Runs.Trace;

namespace BluBees.Api.Admin;

/// <summary>
/// <c>GET /api/rules/{id}/trace</c>: "why didn't my rule run?" — the recent events that reached the rule without
/// running it, newest first, each with the stage and the part of the rule that failed (path and operator). Metadata
/// only, like the run log; for administrators, like every rule route.
/// </summary>
internal static class RuleTraceEndpoint
{
    internal static async Task<IResult> GetAsync(string id, HttpContext context, RuleService rules, RunStore runs)
    {
        var tenantId = context.Tenant().TenantId;
        if (await rules.GetHeadAsync(tenantId, id, context.RequestAborted) is null)
        {
            return Problems.NotFound($"Rule '{ConnectionsEndpoints.Safe(id)}' does not exist.");
        }

        return TypedResults.Ok(new ItemsResponse<RuleTraceEntry>(await runs.ListTraceAsync(tenantId, id, context.RequestAborted)));
    }
}
