using BluBees.Api.Auth;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Scheduling;

/// <summary>
/// <c>POST /forge/scheduled</c>: Forge's scheduled trigger (every five minutes) for one installation. The body carries nothing
/// the backend needs (the FIT names the tenant), so it is not read. Answers 202 at once; runs happen in the worker.
/// </summary>
internal static class ScheduledEndpoint
{
    public static async Task<Results<Accepted<ScheduledResponse>, UnavailableProblem>> ReceiveAsync(
        VerifiedTenant tenant, ForgeSystemToken systemToken, ScheduleRunner runner, CancellationToken ct)
    {
        var result = await runner.FireDueAsync(tenant.Context, systemToken.Value, ct);

        // A full queue answers 503. Forge does not retry a scheduled trigger (its module docs: "will not be retried", the
        // next invocation is when the schedule is next due), so the next tick fires what was refused, starting after the
        // refused rule (ScheduleTurn); work already queued is not queued again (interval and tick de-duplication markers).
        return result.Busy
            ? Ingress.IngressResults.Unavailable()
            : TypedResults.Accepted((string?)null, new ScheduledResponse("accepted", result.Queued));
    }
}

/// <summary>The answer to a scheduled trigger: how many rule runs were queued.</summary>
internal sealed record ScheduledResponse(string Status, int Queued);
