using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Webhooks;

namespace BluBees.Api.Webhooks;

/// <summary>Incoming third-party webhooks (HMAC-signed, forwarded by the Forge web trigger).</summary>
public static class WebhookSetup
{
    /// <summary>/api/webhooks CRUD (admin-only writes: see Permissions).</summary>
    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        var admin = new WebhookAdminEndpoints(ActivatorUtilities.CreateInstance<WebhookService>(((IEndpointRouteBuilder)api).ServiceProvider));
        var group = api.MapGroup("/webhooks");

        // Typed as Func so that the route-handler overload (which writes the IResult) is chosen, not RequestDelegate.
        group.MapGet("/", (Func<HttpContext, Task<IResult>>)admin.ListAsync).Returns<ItemsResponse<WebhookView>>();
        group.MapPost("/", (Func<HttpContext, Task<IResult>>)admin.CreateAsync).Reads<WebhookInput>().Returns<WebhookWithSecret>(201).Fails(409);
        group.MapGet("/{id}", admin.GetAsync).Returns<WebhookView>().Fails(404);
        group.MapDelete("/{id}", admin.DeleteAsync).ReturnsNoContent().Fails(404, 409);
        group.MapPost("/{id}/rotate-secret", admin.RotateSecretAsync).Returns<WebhookWithSecret>().Fails(404);
        return api;
    }

    /// <summary>POST /forge/webhook: a signed third-party request, forwarded by the Forge web trigger (FIT-authenticated).</summary>
    public static IEndpointRouteBuilder MapForgeWebhook(this IEndpointRouteBuilder app)
    {
        // The services are stateless; building them here keeps the feature self-contained (no registration hook).
        var hooks = ActivatorUtilities.CreateInstance<WebhookService>(app.ServiceProvider);
        var receiver = ActivatorUtilities.CreateInstance<WebhookReceiver>(app.ServiceProvider, hooks);
        // Explicit return type: the route-handler overload, generated at compile time (see MapForgeScheduled).
        app.MapPost("/forge/webhook", Task<IResult> (HttpContext context) => ForgeWebhookEndpoint.ReceiveAsync(context, receiver))
            .RequireAuthorization()
            .ForForgeModule(ForgeRoute.Webhook)
            .WithName("ForgeWebhook");
        return app;
    }
}
