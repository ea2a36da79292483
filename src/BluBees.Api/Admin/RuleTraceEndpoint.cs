using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Runs.Trace;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Admin;

/// <summary>
/// <c>GET /api/rules/{id}/trace</c>: "why didn't my rule run?" — the recent events that reached the rule without
/// running it, newest first, each with the stage and the part of the rule that failed (path and operator). Metadata
/// only, like the run log; for administrators, like every rule route.
/// </summary>
internal static class RuleTraceEndpoint
{
    internal static async Task<Results<Ok<ItemsResponse<RuleTraceEntry>>, NotFoundProblem>> GetAsync(
        string id, VerifiedTenant tenant, RuleService rules, RunStore runs, CancellationToken ct)
    {
        if (await rules.GetStoredHeadAsync(tenant.Id, id, ct) is null)
        {
            return Problems.NotFound($"Rule '{ConnectionsEndpoints.Safe(id)}' does not exist.");
        }

        return TypedResults.Ok(new ItemsResponse<RuleTraceEntry>(await runs.ListTraceAsync(tenant.Id, id, ct)));
    }
}
