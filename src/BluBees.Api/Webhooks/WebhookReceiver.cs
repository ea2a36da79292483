using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Events;
using BluBees.Engine.Observability;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Webhooks;
using BluBees.Engine.Execution;

namespace BluBees.Api.Webhooks;

/// <summary>What became of a forwarded webhook request.</summary>
/// <remarks>
/// <see cref="Duplicate"/> and <see cref="Queued"/>: the identical delivery (the same hook and a signature that verifies,
/// so the same timestamp and body) was accepted before, inside the replay window. Its run is not queued again; the
/// sender, whose first answer may have been lost, is answered 2xx so it stops retrying (docs/api.md, "Incoming webhooks").
/// </remarks>
internal enum WebhookReceipt { Accepted, UnknownHook, Refused, Busy, SavedByNewerVersion, Duplicate, Queued, SecretUnavailable }

/// <summary>A third-party request as the Forge web trigger forwards it. <see cref="Body"/> is pass-through data.</summary>
internal sealed record ForwardedWebhook(string HookId, string? Signature, string? Timestamp, string Body);

/// <summary>
/// Verifies a forwarded webhook (hook of this tenant, fresh timestamp, HMAC in constant time, not a replay) and
/// queues it through the engine's one ingress (one message; every enabled rule whose trigger is the hook runs). The body lives only in the queued message.
/// </summary>
internal sealed partial class WebhookReceiver(WebhookService hooks, RuleService rules, EventIngestor ingress, BluBeesMetrics metrics, TimeProvider time, ILogger<WebhookReceiver> logger)
{
    public const string EventType = "blubees:webhook";
    private const string TriggerType = "webhook";
    private static readonly TimeSpan ReplayRecordMargin = TimeSpan.FromMinutes(1);

    public async Task<WebhookReceipt> ReceiveAsync(TenantContext tenant, ForwardedWebhook request, string? systemToken, CancellationToken ct)
    {
        // Every store write of the delivery (the replay record of a hook without rules; the ingress bounds its own) waits
        // for the embedded file's write lock no longer than an event's accept does: while another process held it, the
        // replay record's write waited the connection's 30 s, past the forwarder's 25 s, so the sender saw its call fail
        // with no answer at all instead of a 503 with Retry-After (WebhookLockedStoreTests).
        using var bound = Engine.Storage.StoreWriteWait.Bound(SqliteRunQueue.AcceptLockWait);
        var tenantId = tenant.Id;
        Webhook? found;
        try
        {
            found = await hooks.GetAsync(tenantId, request.HookId, ct);
        }
        catch (JsonException)
        {
            // A hook a later build saved (after a rollback): read strictly, as what verifies deliveries must be (a member
            // this build does not know may restrict them), so it is not used. Nothing is kept and the sender retries: the
            // delivery runs once the later build is back or the hook is saved again. Before, a 500.
            LogSavedByNewerVersion(logger, request.HookId); // a stored hook's id: the item exists
            return WebhookReceipt.SavedByNewerVersion;
        }

        if (found is not { } hook)
        {
            return WebhookReceipt.UnknownHook;
        }

        var now = time.GetUtcNow();
        var mac = WebhookSignature.Parse(request.Signature);
        var timestamp = WebhookSignature.ParseTimestamp(request.Timestamp);
        if (mac is null || timestamp is null)
        {
            return Refuse(hook.Id, "malformed");
        }

        if (!WebhookSignature.IsFresh(timestamp.Value, now))
        {
            return Refuse(hook.Id, "stale_timestamp");
        }

        string secret;
        try
        {
            secret = await hooks.RevealSecretAsync(tenantId, hook, ct);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Deleted or rotated between the read and the open: the secret read is shredded with its share
            // (docs/security.md, "Deleting or replacing a secret"). A deleted hook is unknown; a rotated one is
            // verified with its current secret (the old one stopped working with the rotation's answer). Before, a 500.
            var current = await hooks.GetAsync(tenantId, hook.Id, ct);
            if (current?.SecretCiphertext == hook.SecretCiphertext)
            {
                // The same secret does not open: a key fault (its share missing, tenant-keys/ not restored with the
                // database), not the sender's. Nothing is kept; the sender retries once the share is back. Before, a 500.
                LogSecretUnavailable(logger, hook.Id);
                return WebhookReceipt.SecretUnavailable;
            }

            if (current is null)
            {
                return WebhookReceipt.UnknownHook;
            }

            hook = current;
            try
            {
                secret = await hooks.RevealSecretAsync(tenantId, hook, ct);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                LogSecretUnavailable(logger, hook.Id);
                return WebhookReceipt.SecretUnavailable;
            }
        }

        if (!WebhookSignature.Matches(secret, request.Timestamp!, request.Body, mac))
        {
            return Refuse(hook.Id, "bad_signature");
        }

        // Read before the delivery is recorded, so a failed read never leaves the sender's retry refused as a replay.
        // The event path's read (the stamp, then the cached heads): a query and parse of every head per delivery made
        // each delivery cost what the tenant stores (up to the rule limit).
        var targets = (await rules.ListHeadsForRunAsync(tenantId, ct))
            .Count(h => h.Enabled && h.TriggerType == TriggerType && h.WebhookId == hook.Id);

        if (targets == 0)
        {
            // Nothing could run: acknowledged without queueing the body at all; the record refuses its replays.
            // Outlives the window on both sides: a timestamp up to 5 min ahead stays acceptable for 10 min, up to and
            // including the last instant, and expiry is in whole seconds with "expired" meaning ≤ now: a minute's
            // margin keeps the record past that instant (without it, a replay at exactly +10 min was accepted).
            // A write outside the queue, so outside its share: it takes one of the tenant's accept slots as a queued
            // delivery does (EventIngestor.Shares.cs). Before, a tenant's flood of signed deliveries to such a hook had as
            // many replay records waiting for the file's write lock at once as it sent, beside every tenant's accepts.
            using var slot = ingress.TryTakeAcceptSlot(tenantId);
            if (slot is null)
            {
                LogTenantBusy(logger, hook.Id);
                return WebhookReceipt.Busy;
            }

            if (!await hooks.TryRecordDeliveryAsync(tenantId, hook.Id, mac, now + 2 * WebhookSignature.ReplayWindow + ReplayRecordMargin, ct))
            {
                return Repeated(hook.Id, WebhookReceipt.Duplicate);
            }

            metrics.IngressFiltered();
            LogAccepted(logger, hook.Id, 0);
            return WebhookReceipt.Accepted;
        }

        // One message for the hook: the run processor runs every enabled rule whose trigger is this hook. The replay
        // record is the ingress's de-duplication marker (1 day, longer than the replay window), written with the
        // message: a process killed before the hand-over leaves no record, so the sender's retry is accepted.
        var work = new IngressRequest(tenant, RunSource.Webhook, Payload(hook.Id, request.Body))
        {
            SystemToken = systemToken,
            DedupKey = WebhookService.DeliveryDedupKey(hook.Id, mac),
        };
        switch (await ingress.SubmitAsync(work, ct))
        {
            case IngestResult.Unavailable:
                return WebhookReceipt.Busy;
            case IngestResult.Duplicate:
                return Repeated(hook.Id, WebhookReceipt.Duplicate);
            case IngestResult.AlreadyQueued:
                return Repeated(hook.Id, WebhookReceipt.Queued);
        }

        LogAccepted(logger, hook.Id, targets);
        return WebhookReceipt.Accepted;
    }

    /// <summary>
    /// The synthetic event: the body as JSON when it parses (a leading byte order mark ignored, as RFC 8259 §8.1
    /// allows: the signature covered it, the JSON does not include it), else as the raw string.
    /// </summary>
    internal static JsonObject Payload(string hookId, string body)
    {
        JsonNode? parsed = null;
        var json = body.StartsWith('\uFEFF') ? body[1..] : body;
        if (json.Length > 0)
        {
            try
            {
                // Only bodies whose every string is readable text become JSON: a lone surrogate escape would otherwise
                // surface later, when a template reads it.
                var utf8 = System.Text.Encoding.UTF8.GetBytes(json);
                parsed = Infrastructure.JsonScan.Check(utf8) is null
                    ? JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = Infrastructure.JsonScan.MaxDepth, AllowDuplicateProperties = false })
                    : null;
            }
            catch (JsonException)
            {
                parsed = null;
            }
        }

        try
        {
            return Envelope(hookId, parsed ?? JsonValue.Create(body));
        }
        catch (InvalidOperationException)
        {
            return Envelope(hookId, JsonValue.Create(body));
        }
    }

    private static JsonObject Envelope(string hookId, JsonNode? body) => new()
    {
        ["eventType"] = EventType,
        ["webhook"] = new JsonObject { ["id"] = hookId, ["body"] = body },
    };

    /// <summary>
    /// The identical delivery again (its signature verified, so body and timestamp are the accepted one's): the sender's
    /// retry of an answer it lost, or a replay. Either way nothing runs a second time, and a 2xx stops the retries; a
    /// 403 here told a sender whose delivery had been accepted that it failed.
    /// </summary>
    private WebhookReceipt Repeated(string hookId, WebhookReceipt receipt)
    {
        LogRepeated(logger, hookId, receipt == WebhookReceipt.Queued ? "still queued" : "already accepted");
        return receipt;
    }

    private WebhookReceipt Refuse(string hookId, string reason)
    {
        LogRefused(logger, hookId, reason);
        return WebhookReceipt.Refused;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {HookId} was saved by a newer version of BluBees and cannot be read by this one; its deliveries are answered 503 (retried by the sender) until that version is back or the hook is saved again")]
    private static partial void LogSavedByNewerVersion(ILogger logger, string hookId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {HookId}: its secret does not open (its key share is missing); the delivery was answered 503 and nothing was kept")]
    private static partial void LogSecretUnavailable(ILogger logger, string hookId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {HookId}: its tenant already has as many accepts in flight as it may (Runs:PerTenantAcceptsInFlight); the delivery was answered 503 and nothing was kept")]
    private static partial void LogTenantBusy(ILogger logger, string hookId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {HookId} accepted; {RuleCount} rule run(s) queued")]
    private static partial void LogAccepted(ILogger logger, string hookId, int ruleCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {HookId}: the identical delivery again ({State}); answered as a duplicate, not run again")]
    private static partial void LogRepeated(ILogger logger, string hookId, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {HookId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string hookId, string reason);
}
