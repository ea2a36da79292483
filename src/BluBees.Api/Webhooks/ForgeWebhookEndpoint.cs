using System.Text.Json.Nodes;
using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Common;
using BluBees.Engine.Events;

namespace BluBees.Api.Webhooks;

/// <summary>
/// <c>POST /forge/webhook</c>, called by the Forge web-trigger function through <c>invokeRemote</c> with
/// <c>{hookId, signature, timestamp, body, contentType?}</c>. The FIT names the tenant; the hook must be the tenant's.
/// </summary>
internal static class ForgeWebhookEndpoint
{
    public static async Task<IResult> ReceiveAsync(HttpContext context, WebhookReceiver receiver)
    {
        var tenant = context.Tenant();
        var (node, problem) = await JsonBody.ReadNodeAsync(context.Request, ForgeEndpoints.MaxEventBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (node is not JsonObject envelope)
        {
            return Problems.Invalid("$", "the body must be a JSON object");
        }

        if (JiraEvent.Text(envelope["hookId"]) is not { } hookId || !Ids.IsWellFormed(hookId))
        {
            return Problems.Invalid("hookId", "is required: the webhook id");
        }

        if (envelope["body"] is not JsonValue bodyValue || !bodyValue.TryGetValue<string>(out var body))
        {
            return Problems.Invalid("body", "is required: the raw request body as a string");
        }

        var signature = envelope["signature"] is JsonValue s && s.TryGetValue<string>(out var sig) ? sig : null;
        var request = new ForwardedWebhook(hookId, signature, JiraEvent.Text(envelope["timestamp"]), body);
        var systemToken = context.Request.Headers["x-forge-oauth-system"].ToString();
        return await receiver.ReceiveAsync(tenant, request, systemToken.Length == 0 ? null : systemToken, context.RequestAborted) switch
        {
            WebhookReceipt.Accepted => TypedResults.Accepted((string?)null, new IngestResponse("accepted")),
            WebhookReceipt.UnknownHook => Problems.NotFound($"Webhook '{ConnectionsEndpoints.Safe(hookId)}' does not exist."),
            WebhookReceipt.Refused => Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "The webhook signature or timestamp is invalid."),
            _ => Ingress.IngressResults.Unavailable(context),
        };
    }
}
