using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Dev;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Api.JiraUser;
using BluBees.Api.Observability;
using BluBees.Api.Permissions;
using BluBees.Api.Scheduling;
using BluBees.Api.Support;
using BluBees.Api.Webhooks;
using BluBees.Api.Worker;
using BluBees.Aws.Composition;
using BluBees.Engine.Hosting;

namespace BluBees.Api;

/// <summary>
/// Builds the one deployable: the same app runs on Kestrel locally and on Lambda behind the Web Adapter.
/// Tests build it through <see cref="Create"/> with their own configuration and log sink.
/// </summary>
internal static class BluBeesApp
{
    internal const string ReadSettingsOnce = "--hostBuilder:reloadConfigOnChange=false";

    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null, Action<IServiceCollection>? overrides = null)
    {
        // Settings files ship beside the binary; the working directory only anchors the data directory. They are read
        // once, at start: reloading on change would start a recursive file watcher over the content root (its own
        // thread and an inotify watch per directory) that no setting needs, since options are validated at start.
        // A later --hostBuilder:reloadConfigOnChange=true argument still turns it back on.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [ReadSettingsOnce, .. args],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // The largest cap of any route, plus room for framing: each route refuses above its own cap with a 413
            // ProblemDetails (JsonBody); this is the backstop for everything else. It was the event cap alone, which
            // left the documented 512 KiB webhook and 500 KB dry-run caps unreachable.
            k.Limits.MaxRequestBodySize = Math.Max(ForgeEndpoints.MaxInvokeBytes, ForgeLimits.DryRunBytes) + 1024;
            // Above our own limits on the request's head, which answer with a ProblemDetails (RequestHeadLimits).
            k.Limits.MaxRequestLineSize = RequestHeadLimits.ServerTargetBytes;
            k.Limits.MaxRequestHeadersTotalSize = RequestHeadLimits.ServerHeaderBytes;
            k.Limits.MaxRequestHeaderCount = RequestHeadLimits.ServerHeaderCount;
        });
        configure?.Invoke(builder);
        // Before the app is built: the framework reads these itself (the log levels while building), and a bad one ended
        // the process unhandled instead of a refusal naming it.
        HostSettings.ThrowIfInvalid(builder.Configuration);
        // Before any middleware, the host's forwarded-headers one included: the TCP peer's address as accepted.
        builder.Services.AddTransportPeer();
        // After the caller's logging set-up: every logger, the framework's included, writes through the one redaction point.
        builder.Services.AddLogRedaction();

        // One provider per concern (store, keys, queue, worker), chosen by configuration in ProviderSwitch.
        builder.Services.AddBluBeesProviders(builder.Configuration);
        builder.Services.AddBluBeesStorage(builder.Configuration);
        builder.Services.AddBluBeesKeys(builder.Configuration);
        builder.Services.AddBluBeesEngine(builder.Configuration);
        builder.Services.AddForgeAuthentication(builder.Configuration, builder.Environment);
        builder.Services.AddSupportAccess(builder.Configuration);
        builder.Services.AddJiraPermissions(builder.Configuration);
        builder.Services.AddJiraUserReads();
        builder.Services.AddDryRunLimits(builder.Configuration);
        builder.Services.AddTenantRequestShares(builder.Configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ErrorHandling>();
        builder.Services.ConfigureHttpJsonOptions(o => JsonSetup.Apply(o.SerializerOptions));
        builder.Services.AddBluBeesOpenApi(builder.Configuration);
        builder.Services.AddBluBeesTelemetry(builder.Configuration);
        builder.Services.RemoveUnusedStartupWork();
        // After the composition, so that a registration here is the last one and wins (tests substitute a
        // provider this way: the provider switch registers exactly one per concern, not TryAdd).
        overrides?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseHeadAsGet(); // before routing, which is otherwise first: HEAD is routed as GET
        app.UseRouting();
        app.UseTelemetryFlush(); // outermost: every answer, errors included, waits for the flush (Lambda only)
        app.UseJsonErrors();
        app.UseExceptionHandler();
        app.UseSecurityHeaders();
        app.UseRequestHeadLimits(); // before authentication: a size, not a route or a tenant
        app.UseWrongMethodsOfPublicRoutes(); // a wrong method on /health or /ready is a 405 to anyone, as their GET is open to anyone
        app.UseAuthentication();
        app.UseSupportPolicyOnWrongMethods(); // a wrong method on /support is authorized as support staff, then 405
        app.UseAuthorization();
        app.UseMethodNotAllowed(); // after authorization: a wrong method needs what the route needs (a token, but on /health and /ready), else 401
        app.UseTenantRequestShares(); // after authorization: the verified tenant's share of /api, before a body is read or a route runs
        app.UseWholeRequestBeforeBodylessWrites(); // after authorization: a write route that reads no body acts only once a body sent with it has arrived whole

        app.MapHealth();
        app.MapForgeEndpoints();
        app.MapForgeScheduled();
        app.MapForgeWebhook();
        app.MapWorker();
        app.MapSupport();
        app.MapGroup("/api").RequireAuthorization().ForForgeModule(ForgeRoute.Ui).RequireApiPermissions().WithApiContract().SharedPerTenant()
            .MapMe().MapConnections().MapRules().MapRuleValidation().MapSampleEvents().MapRuns().MapManualRuns().MapSchedules().MapWebhooks().MapSupportGrants();
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DevOptions>>().Value.Enabled)
        {
            app.MapDevEndpoints();
        }

        app.MapBluBeesOpenApi();
        app.UseStartupBanner();
        return app;
    }
}
