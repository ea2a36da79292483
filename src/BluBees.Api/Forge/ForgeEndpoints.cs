using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Events;
using BluBees.Engine.Observability;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Forge;

/// <summary>What Forge calls: product events and app lifecycle. Answers well inside Forge's 5 s budget.</summary>
internal static partial class ForgeEndpoints
{
    /// <summary>
    /// Forge does not deliver product events over 200 kB (https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/,
    /// shared/FORGE.md "Limits"); 256 KiB leaves room for the envelope and <c>retryContext</c> of a redelivery.
    /// </summary>
    public const int MaxEventBytes = 256 * 1024;

    /// <summary>Bodies forwarded by <c>invokeRemote</c> (web-trigger webhooks): at most 500 KB in (apis-reference/ui-api-bridge/invokeRemote).</summary>
    public const int MaxInvokeBytes = 512 * 1024;

    public static IEndpointRouteBuilder MapForgeEndpoints(this IEndpointRouteBuilder app)
    {
        var forge = app.MapGroup("/forge").RequireAuthorization();
        forge.MapPost("/events", ReceiveEventAsync).WithName("ForgeEvents").ForForgeModule(ForgeRoute.Events);
        forge.MapPost("/lifecycle", LifecycleAsync).WithName("ForgeLifecycle").ForForgeModule(ForgeRoute.Lifecycle);
        forge.MapPost("/uninstall", PreUninstallAsync).WithName("ForgePreUninstall").ForForgeModule(ForgeRoute.Uninstall);
        return app;
    }

    internal static async Task<Results<Accepted<IngestResponse>, BodyProblem, InvalidProblem, Results<Accepted<IngestResponse>, Ok<IngestResponse>, UnavailableProblem>>> ReceiveEventAsync(
        VerifiedTenant tenant, HttpRequest request, ForgeSystemToken systemToken, EventIngestor ingestor, BluBeesMetrics metrics, ILoggerFactory loggers, CancellationToken ct)
    {
        // The raw request, not a bound body: read as a stream with the size cap before any parsing.
        var (root, problem) = await JsonBody.ReadObjectAsync(request, MaxEventBytes);
        if (problem is not null)
        {
            return problem;
        }

        var body = JiraEvent.Unwrap(root!);
        var prefix = ReferenceEquals(body, root) ? string.Empty : "payload.";
        if (JiraEvent.From(root, out var error) is not { } evt)
        {
            // An envelope without its own eventType that has a payload meant the event nested there (FORGE.md "Event
            // envelope": both are accepted): a payload of another kind is named, not the eventType it does not hold.
            if (prefix.Length == 0 && !root!.ContainsKey("eventType") && root.TryGetPropertyValue("payload", out var payload))
            {
                if (payload is not System.Text.Json.Nodes.JsonObject)
                {
                    return Problems.Invalid("payload", "must be an object: the Jira event (or send the event itself, not nested)");
                }

                prefix = "payload.";
            }

            return Problems.Invalid(prefix + "eventType", error == "eventType is too long." ? "is too long" : "is required: a string naming the Jira event");
        }

        if (!JiraEvent.IsKnownType(evt.EventType))
        {
            // Forge delivers only the events the manifest subscribes to; anything else is acknowledged (so that it is
            // not redelivered four times) and dropped. Its type is input: it is counted, never logged or stored.
            metrics.UnknownEventIgnored();
            LogUnknownEventType(loggers.CreateLogger("BluBees.Ingress"));
            return TypedResults.Accepted((string?)null, new IngestResponse("ignored"));
        }

        if (EventShape.Check(body, prefix, requireIssue: true) is { Count: > 0 } errors)
        {
            return Problems.Invalid(ToValidationErrors(errors), "The event has fields of the wrong kind; see errors.");
        }

        // The loop trace comes back in the event body as webhookTraceValue (events-reference/jira), not as a header.
        // 503 answers keep no marker: Forge redelivers an event after a non-2xx answer or a timeout, at most four times
        // (https://developer.atlassian.com/platform/forge/events-reference/product_events/ "Retry product events";
        // 5 s timeout: https://developer.atlassian.com/platform/forge/remote/sending-product-events/).
        var result = await ingestor.IngestAsync(tenant.Context, evt, systemToken.Value, evt.WebhookTraceValue, ct);
        return Ingress.IngressResults.From(result);
    }

    internal static async Task<Results<Ok<IngestResponse>, BodyProblem, InvalidProblem, ProblemHttpResult, UnavailableProblem>> LifecycleAsync(
        VerifiedTenant tenant, HttpRequest request, TenantService tenants, ILoggerFactory loggers, CancellationToken ct)
    {
        var (node, problem) = await JsonBody.ReadObjectAsync(request, 64 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var body = node!["payload"] is System.Text.Json.Nodes.JsonObject nested ? nested : node;
        // Named where it was read, as /forge/events names its fields: "eventType" of a wrapped body is "payload.eventType".
        var prefix = ReferenceEquals(body, node) ? string.Empty : "payload.";
        var kind = JiraEvent.Text(JiraEvent.Child(body, "eventType")) ?? JiraEvent.Text(JiraEvent.Child(body, "type")) ?? string.Empty;
        var logger = loggers.CreateLogger("BluBees.Lifecycle");
        // A life-cycle event is a trigger's event: Forge gives the remote 5 s to answer and redelivers it after a non-2xx
        // answer or a timeout (https://developer.atlassian.com/platform/forge/events-reference/life-cycle/ delivers it
        // through a trigger module; https://developer.atlassian.com/platform/forge/remote/sending-product-events/: "remote
        // invocations will have a timeout of 5 seconds", retried). Its writes waited for SQLite's write lock up to the
        // connection's 30 s each while another process held it, so the answer came long after Forge had given up; now
        // they give up within a Forge event's wait and the answer is 503 with Retry-After (LifecycleLockedStoreTests).
        using var bound = BluBees.Engine.Storage.StoreWriteWait.Bound(SqliteRunQueue.LockWaitFor(BluBees.Engine.Execution.RunSource.Event));
        var known = kind is "avi:forge:installed:app" or "avi:forge:upgraded:app" || (kind.Length == 0 && IsDocumentedLifecyclePayload(body));
        if (known && tenants.IsUninstallPending(tenant.Id))
        {
            // An uninstall of this installation was accepted and its deletion is not finished (the embedded store's
            // write lock held by another process): the event waits for it, through Forge's redelivery after a 503, and
            // an install then starts afresh. Neither it nor an upgrade may write meanwhile (docs/security.md).
            return Problems.Unavailable("Uninstall in progress", "An uninstall of this installation is being finished; retry later.", retryAfterSeconds: UninstallRetryAfterSeconds);
        }

        switch (kind)
        {
            case "avi:forge:installed:app":
                // A redelivery (retryContext, in the event or its envelope: Forge adds it to every retry,
                // https://developer.atlassian.com/platform/forge/events-reference/product_events/ "Retry product events")
                // is the installed event Forge first sent before any uninstall of this installation: it installs only an
                // installation that is not marked uninstalled, and never clears the mark (docs/security.md, Deletion).
                if (!await (IsRedelivery(node, body) ? tenants.InstalledOrUpgradedAsync(tenant.Context, ct) : tenants.InstallAsync(tenant.Context, ct)))
                {
                    // An uninstall of the installation marked it while this install was writing: it came later and wins.
                    return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "This installation of the app was uninstalled.");
                }

                LogLifecycle(logger, "installed");
                return TypedResults.Ok(new IngestResponse("installed"));
            case "avi:forge:upgraded:app":
                if (!await tenants.UpgradeAsync(tenant.Context, ct))
                {
                    // Uninstalled (within the last day): answered as every other route answers such a token.
                    return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "This installation of the app was uninstalled.");
                }

                LogLifecycle(logger, "upgraded");
                return TypedResults.Ok(new IngestResponse("upgraded"));
            case "" when IsDocumentedLifecyclePayload(body):
                // Atlassian's life-cycle reference shows both payloads without an event type
                // (https://developer.atlassian.com/platform/forge/events-reference/life-cycle/: {"id", "installerAccountId"
                // or "upgraderAccountId", "app": {"id", "version"}}), so such a body does not say which of the two it is.
                // Both mean the installation is installed: ensure the tenant and its data key, unless it was uninstalled
                // (a reinstall gets a new installation id, so this is a late or retried event: write nothing, as for an upgrade).
                if (!await tenants.InstalledOrUpgradedAsync(tenant.Context, ct))
                {
                    return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "This installation of the app was uninstalled.");
                }

                LogLifecycle(logger, "installed or upgraded");
                return TypedResults.Ok(new IngestResponse("installed"));
            default:
                // The documented payload without an event type, with its 'id' or 'app' of another kind: named, not the
                // eventType it leaves out on purpose.
                if (kind.Length == 0 && body["eventType"] is null && body["type"] is null && (body.ContainsKey("id") || body.ContainsKey("app")))
                {
                    return Problems.Invalid(LifecyclePayloadErrors(body, prefix), "The life-cycle payload has fields of the wrong kind; see errors.");
                }

                // Uninstall is not a lifecycle event: it arrives from the preUninstall module at /forge/uninstall.
                return Problems.Invalid(prefix + "eventType", "must be avi:forge:installed:app or avi:forge:upgraded:app");
        }
    }

    /// <summary>Whether a life-cycle event is Forge's redelivery of one it sent before: a <c>retryContext</c> that is not null, in the event or its envelope.</summary>
    private static bool IsRedelivery(System.Text.Json.Nodes.JsonObject envelope, System.Text.Json.Nodes.JsonObject body)
        => JiraEvent.Child(body, "retryContext") is not null || JiraEvent.Child(envelope, "retryContext") is not null;

    /// <summary>The life-cycle payload as documented: the installation's <c>id</c> (a string) and the <c>app</c> object.</summary>
    private static bool IsDocumentedLifecyclePayload(System.Text.Json.Nodes.JsonObject body)
        => body["eventType"] is null && body["type"] is null
           && JiraEvent.Child(body, "id") is System.Text.Json.Nodes.JsonValue id && id.GetValueKind() == System.Text.Json.JsonValueKind.String
           && JiraEvent.Child(body, "app") is System.Text.Json.Nodes.JsonObject;

    /// <summary>What is wrong with a life-cycle payload that has no event type: its <c>id</c> (a string) and <c>app</c> (an object), each named.</summary>
    private static ValidationErrors LifecyclePayloadErrors(System.Text.Json.Nodes.JsonObject body, string prefix)
    {
        var errors = new ValidationErrors();
        if (!(JiraEvent.Child(body, "id") is System.Text.Json.Nodes.JsonValue id && id.GetValueKind() == System.Text.Json.JsonValueKind.String))
        {
            errors.Add(prefix + "id", "must be a string: the installation id (or send eventType avi:forge:installed:app or avi:forge:upgraded:app)");
        }

        if (JiraEvent.Child(body, "app") is not System.Text.Json.Nodes.JsonObject)
        {
            errors.Add(prefix + "app", "must be an object: the app's id and version (or send eventType avi:forge:installed:app or avi:forge:upgraded:app)");
        }

        return errors;
    }

    internal static ValidationErrors ToValidationErrors(Dictionary<string, string> errors)
    {
        var result = new ValidationErrors();
        foreach (var (field, message) in errors)
        {
            result.Add(field, message);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An event of an unknown type was acknowledged and ignored")]
    private static partial void LogUnknownEventType(ILogger logger);

    /// <summary>
    /// <c>POST /forge/uninstall</c>, the preUninstall module's endpoint. Forge sends <c>{"context": {"cloudId",
    /// "moduleKey"}, "contextToken"}</c> with no event type, without a user, best effort within 55 s
    /// (https://developer.atlassian.com/platform/forge/manifest-reference/modules/pre-uninstall-trigger/). The tenant comes
    /// from the verified token only (its module is checked by the route's policy), so the body is only checked to be
    /// JSON; nothing in it is trusted. Deletes the tenant's partition and its wrapped data key (crypto-shredding).
    /// </summary>
    internal static async Task<Results<Ok<IngestResponse>, Accepted<IngestResponse>, BodyProblem, InvalidProblem>> PreUninstallAsync(
        VerifiedTenant tenant, HttpRequest request, TenantService tenants, ILoggerFactory loggers)
    {
        // An empty body uninstalls however it is framed (Content-Length: 0, no length at all, or chunked with no
        // chunks): Forge does not retry a 4xx, so refusing one would leave the tenant's data and key behind.
        // A body that is not empty must be a JSON object: "null" is not an empty body (it once uninstalled the tenant).
        var (_, problem) = await JsonBody.ReadOptionalObjectAsync(request, 64 * 1024, "the body must be a JSON object: {\"context\": {\"cloudId\", \"moduleKey\"}, \"contextToken\"}");
        if (problem is not null)
        {
            return problem;
        }

        // Not the request's token: Forge does not retry a preUninstall, so a caller that goes away (its 55 s budget, a
        // proxy's timeout, a reset) must not stop the deletion part way, the data key and everything under it left.
        // On the embedded store each write waits for SQLite's write lock at most a Forge event's bound: another process
        // holding it (an operator's sqlite3 shell, a backup tool) kept the answer waiting 30 s per write, with no bound.
        // The uninstall is recorded first outside the file; what cannot finish now finishes in the background, after a
        // restart too, and the answer is 202 "uninstalling" (UninstallLockedStoreTests, UninstallKilledWhilePendingTests).
        var logger = loggers.CreateLogger("BluBees.Lifecycle");
        if (await tenants.UninstallWithinAsync(tenant.Id, SqliteRunQueue.LockWaitFor(BluBees.Engine.Execution.RunSource.Event)) is not { } deleted)
        {
            LogUninstallPending(logger);
            return TypedResults.Accepted((string?)null, new IngestResponse("uninstalling"));
        }

        LogUninstalled(logger, deleted);
        return TypedResults.Ok(new IngestResponse("uninstalled"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant lifecycle: {Change}")]
    private static partial void LogLifecycle(ILogger logger, string change);

    /// <summary>Retry-After of a life-cycle event refused while its installation's uninstall is being finished.</summary>
    private const int UninstallRetryAfterSeconds = 30;

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant uninstall accepted: its deletion finishes in the background (the store is busy)")]
    private static partial void LogUninstallPending(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant uninstalled: {ItemCount} items deleted, data key shredded")]
    private static partial void LogUninstalled(ILogger logger, int itemCount);
}

internal sealed record IngestResponse(string Status);
