using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Webhooks;

namespace BluBees.Api.Webhooks;

/// <summary>Incoming third-party webhooks (HMAC-signed, forwarded by the Forge web trigger).</summary>
internal static class WebhookSetup
{
    /// <summary>/api/webhooks CRUD (admin-only writes: see Permissions).</summary>
    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        var admin = new WebhookAdminEndpoints(Hooks(((IEndpointRouteBuilder)api).ServiceProvider));
        var group = api.MapGroup("/webhooks");

        group.MapGet("/", admin.ListAsync);
        group.MapPost("/", admin.CreateAsync).Reads<WebhookInput>();
        group.MapGet("/{id}", admin.GetAsync);
        group.MapDelete("/{id}", admin.DeleteAsync).TakesNoBody();
        group.MapPost("/{id}/rotate-secret", admin.RotateSecretAsync).TakesNoBody();
        return api;
    }

    /// <summary>POST /forge/webhook: a signed third-party request, forwarded by the Forge web trigger (FIT-authenticated).</summary>
    public static IEndpointRouteBuilder MapForgeWebhook(this IEndpointRouteBuilder app)
    {
        // The services are stateless; building them here keeps the feature self-contained (no registration hook).
        var hooks = Hooks(app.ServiceProvider);
        var receiver = ActivatorUtilities.CreateInstance<WebhookReceiver>(app.ServiceProvider, hooks);
        app.MapPost("/forge/webhook", (VerifiedTenant tenant, HttpRequest request, ForgeSystemToken systemToken, CancellationToken ct)
            => ForgeWebhookEndpoint.ReceiveAsync(tenant, request, systemToken, receiver, ct))
            .RequireAuthorization()
            .ForForgeModule(ForgeRoute.Webhook)
            .WithName("ForgeWebhook");
        return app;
    }

    /// <summary>The registered <see cref="WebhookService"/> when there is one (a test's, over a store it holds), else one built here.</summary>
    private static WebhookService Hooks(IServiceProvider services)
        => services.GetService<WebhookService>() ?? ActivatorUtilities.CreateInstance<WebhookService>(services);
}
