using BluBees.Api.Auth;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Api.Permissions;

namespace BluBees.Api.Scheduling;

/// <summary>Scheduled rules (Forge's five-minute scheduled trigger), their next run times, and manual runs from the issue panel.</summary>
internal static class SchedulingSetup
{
    /// <summary>POST /forge/scheduled (FIT-authenticated, like /forge/events).</summary>
    public static IEndpointRouteBuilder MapForgeScheduled(this IEndpointRouteBuilder app)
    {
        // Stateless; built here so the feature needs no registration hook.
        var search = ActivatorUtilities.CreateInstance<Engine.Steps.Jira.JiraIssueSearch>(app.ServiceProvider);
        var cron = ActivatorUtilities.CreateInstance<CronTicks>(app.ServiceProvider, search);
        var runner = ActivatorUtilities.CreateInstance<ScheduleRunner>(app.ServiceProvider, cron);

        app.MapPost("/forge/scheduled", (VerifiedTenant tenant, ForgeSystemToken systemToken, CancellationToken ct) => ScheduledEndpoint.ReceiveAsync(tenant, systemToken, runner, ct))
            .RequireAuthorization()
            .ForForgeModule(ForgeRoute.Scheduled)
            .WithName("ForgeScheduled")
            .TakesNoBody();
        return app;
    }

    /// <summary>GET /api/schedules/next: the next run times of a cron schedule (admin-only, like the rest of the rule configuration).</summary>
    public static RouteGroupBuilder MapSchedules(this RouteGroupBuilder api)
    {
        api.MapGet("/schedules/next", NextRunsEndpoint.Get).Query("cron", "timeZone", "count");
        return api;
    }

    /// <summary>POST /api/rules/{id}/run: a user whom Jira allows to edit the issue may run a manual rule (no admin check).</summary>
    public static RouteGroupBuilder MapManualRuns(this RouteGroupBuilder api)
    {
        api.MapPost("/rules/{id}/run", ManualRunEndpoint.RunAsync).WithApiAccess(ApiAccess.EditIssueInBody)
            .Reads<ManualRunRequest>();
        return api;
    }
}
