using System.Text.Json.Nodes;
using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Common;
using BluBees.Engine.Events;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Webhooks;

/// <summary>
/// <c>POST /forge/webhook</c>, called by the Forge web-trigger function through <c>invokeRemote</c> with
/// <c>{hookId, signature, timestamp, body, contentType?}</c>. The FIT names the tenant; the hook must be the tenant's.
/// </summary>
internal static class ForgeWebhookEndpoint
{
    public static async Task<Results<Results<Accepted<IngestResponse>, Ok<IngestResponse>>, BodyProblem, InvalidProblem, NotFoundProblem, ForbiddenProblem, UnavailableProblem>> ReceiveAsync(
        VerifiedTenant tenant, HttpRequest request, ForgeSystemToken systemToken, WebhookReceiver receiver, CancellationToken ct)
    {
        // The raw request, not a bound body: read as a stream with the invokeRemote size cap before any parsing.
        var (envelope, problem) = await JsonBody.ReadObjectAsync(request, ForgeEndpoints.MaxInvokeBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (StringField(envelope!, "hookId") is not { } hookId)
        {
            return Problems.Invalid("hookId", "is required: the webhook id (a string)");
        }

        if (!Ids.IsWellFormed(hookId))
        {
            // A string, but no id could be it (empty, a path, too long): "is required" misled the sender.
            return Problems.Invalid("hookId", "is not a webhook id: 1 to 64 letters, digits, '_' or '-', as POST /api/webhooks returned it");
        }

        if (StringField(envelope!, "body") is not { } body)
        {
            return Problems.Invalid("body", "is required: the raw request body as a string");
        }

        if (envelope!.ContainsKey("signature") && envelope["signature"] is not null && StringField(envelope, "signature") is null)
        {
            return Problems.Invalid("signature", "must be a string");
        }

        // JiraEvent.Text turns true/false into text too: the kind is checked here, so a boolean is named, not a 403.
        if (envelope["timestamp"] is { } timestamp
            && (timestamp is not JsonValue value || value.GetValueKind() is not (System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.Number)))
        {
            return Problems.Invalid("timestamp", "must be a string or a number");
        }

        var forwarded = new ForwardedWebhook(hookId, StringField(envelope, "signature"), JiraEvent.Text(envelope["timestamp"]), body);
        var receipt = await receiver.ReceiveAsync(tenant.Context, forwarded, systemToken.Value, ct);
        return receipt switch
        {
            WebhookReceipt.Accepted or WebhookReceipt.Queued or WebhookReceipt.Duplicate => Taken(receipt),
            WebhookReceipt.UnknownHook => Problems.NotFound($"Webhook '{ConnectionsEndpoints.Safe(hookId)}' does not exist."),
            // 403, not 401: Forge reserves 401 for a refused invocation token
            // (https://developer.atlassian.com/platform/forge/apis-reference/ui-api-bridge/invokeRemote/).
            WebhookReceipt.Refused => Problems.Forbidden("The webhook signature or timestamp is invalid."),
            WebhookReceipt.SavedByNewerVersion => Problems.Unavailable("Unavailable",
                "This webhook was saved by a newer version of BluBees than the one running now; nothing was kept. Retry later.",
                retryAfterSeconds: Ingress.IngressResults.RetryAfterSeconds),
            WebhookReceipt.SecretUnavailable => Problems.Unavailable("Unavailable",
                "This webhook's secret cannot be opened right now, so the delivery could not be verified; nothing was kept. Retry later.",
                retryAfterSeconds: Ingress.IngressResults.RetryAfterSeconds),
            _ => Ingress.IngressResults.Unavailable(),
        };
    }

    /// <summary>
    /// A delivery taken: 202 <c>accepted</c>; or the identical delivery again (the sender's retry of a lost answer), which
    /// runs nothing a second time and reports no failure for a delivery that was accepted: 202 <c>queued</c> while its
    /// run waits or runs, 200 <c>duplicate</c> after (docs/api.md, "Incoming webhooks").
    /// </summary>
    private static Results<Accepted<IngestResponse>, Ok<IngestResponse>> Taken(WebhookReceipt receipt) => receipt switch
    {
        WebhookReceipt.Duplicate => TypedResults.Ok(new IngestResponse("duplicate")),
        WebhookReceipt.Queued => TypedResults.Accepted((string?)null, new IngestResponse("queued")),
        _ => TypedResults.Accepted((string?)null, new IngestResponse("accepted")),
    };

    /// <summary>A property that must be a JSON string; null when absent or of another kind (never throws).</summary>
    private static string? StringField(JsonObject envelope, string name)
        => JiraEvent.Child(envelope, name) is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? JiraEvent.Text(value)
            : null;
}
