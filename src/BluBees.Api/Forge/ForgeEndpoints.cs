using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Events;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Tenancy;

namespace BluBees.Api.Forge;

/// <summary>What Forge calls: product events and app lifecycle. Answers well inside Forge's 5 s budget.</summary>
public static partial class ForgeEndpoints
{
    public const int MaxEventBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapForgeEndpoints(this IEndpointRouteBuilder app)
    {
        var forge = app.MapGroup("/forge").RequireAuthorization();
        forge.MapPost("/events", ReceiveEventAsync).WithName("ForgeEvents");
        forge.MapPost("/lifecycle", LifecycleAsync).WithName("ForgeLifecycle");
        return app;
    }

    internal static async Task<IResult> ReceiveEventAsync(HttpContext context, EventIngestor ingestor)
    {
        var tenant = context.Tenant();
        var (node, problem) = await JsonBody.ReadNodeAsync(context.Request, MaxEventBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (JiraEvent.From(node, out var error) is not { } evt)
        {
            return Problems.Invalid("eventType", error!);
        }

        var systemToken = context.Request.Headers["x-forge-oauth-system"].ToString();
        var trace = context.Request.Headers[JiraTrace.Header].ToString();
        var result = await ingestor.IngestAsync(tenant, evt, systemToken.Length == 0 ? null : systemToken, trace.Length == 0 ? null : trace, context.RequestAborted);
        return Ingress.IngressResults.From(result, context);
    }

    internal static async Task<IResult> LifecycleAsync(HttpContext context, TenantService tenants, ILoggerFactory loggers)
    {
        var tenant = context.Tenant();
        var (node, problem) = await JsonBody.ReadNodeAsync(context.Request, 64 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var body = node?["payload"] is System.Text.Json.Nodes.JsonObject nested ? nested : node;
        var kind = JiraEvent.Text(body?["eventType"]) ?? JiraEvent.Text(body?["type"]) ?? string.Empty;
        var logger = loggers.CreateLogger("BluBees.Lifecycle");
        switch (kind)
        {
            case "avi:forge:installed:app":
                await tenants.InstallAsync(tenant, context.RequestAborted);
                LogLifecycle(logger, "installed");
                return TypedResults.Ok(new IngestResponse("installed"));
            case "avi:forge:upgraded:app":
                await tenants.UpgradeAsync(tenant, context.RequestAborted);
                LogLifecycle(logger, "upgraded");
                return TypedResults.Ok(new IngestResponse("upgraded"));
            case "preUninstall" or "core:preUninstall" or "avi:forge:uninstalled:app" or "avi:forge:preuninstall:app":
                var deleted = await tenants.UninstallAsync(tenant.TenantId, context.RequestAborted);
                LogUninstalled(logger, deleted);
                return TypedResults.Ok(new IngestResponse("uninstalled"));
            default:
                return Problems.Invalid("eventType", "must be avi:forge:installed:app, avi:forge:upgraded:app or preUninstall");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant lifecycle: {Change}")]
    private static partial void LogLifecycle(ILogger logger, string change);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant uninstalled: {ItemCount} items deleted, data key shredded")]
    private static partial void LogUninstalled(ILogger logger, int itemCount);
}

public sealed record IngestResponse(string Status);
