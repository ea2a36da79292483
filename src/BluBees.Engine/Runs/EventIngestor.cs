using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Events;
using BluBees.Engine.Observability;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Logging;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>The outcome of accepting work.</summary>
public enum IngestResult
{
    /// <summary>Queued (newly, or again because its earlier acceptance left neither a queued message nor a finished run).</summary>
    Accepted,

    /// <summary>The same event is already waiting in the queue (or running from it); it runs once.</summary>
    AlreadyQueued,

    /// <summary>The same event's run has finished.</summary>
    Duplicate,

    /// <summary>No enabled rule of the tenant could match the event: acknowledged, not queued.</summary>
    Filtered,

    /// <summary>The queue is full or the backend is shutting down: nothing was kept; the sender should retry.</summary>
    Unavailable,
}

/// <summary>
/// Work from any source (a Forge event, a webhook, a schedule, a manual run), as the API hands it to the ingress.
/// <see cref="Payload"/> is pass-through data. <see cref="DedupKey"/> is set by every source that must queue its work once
/// (events: identifiers, hashed; webhooks: hook and MAC, hashed; schedules: rule and occurrence or interval); manual runs: rule, issue, user and the client's request id, hashed, when the client sent one (else none).
/// </summary>
public sealed record IngressRequest(TenantContext Tenant, RunSource Source, JsonObject Payload)
{
    public string? SystemToken { get; init; }
    public string? Trace { get; init; }
    public string? RuleId { get; init; }
    public string? DedupKey { get; init; }

    /// <summary>The rule heads the ingress filter read for this work (events only); see <see cref="RunMessage.IngressHeads"/>.</summary>
    internal IReadOnlyList<RuleHead>? Heads { get; init; }
}

/// <summary>
/// The one ingress of the engine: every source's work becomes a <see cref="RunMessage"/> here (one builder), is
/// de-duplicated and queued here, and a full or closing queue is cleaned up here (one place). For events, fast
/// enough for Forge's 5 s budget (https://developer.atlassian.com/platform/forge/remote/sending-product-events):
/// the de-duplication key is built from the event's identifiers only (type, timestamp, issue, changelog and comment
/// ids), never its content, and is tenant-scoped because it lives in the tenant's partition. On the embedded SQLite
/// queue the marker and the message are written in one transaction; the marker records whether the event's run is
/// queued or finished, so a redelivery of an event that is neither is queued again instead of answered "duplicate".
/// </summary>
public sealed partial class EventIngestor(
    IStore store, IRunQueue queue, TenantService tenants, RuleService rules, IngressGate gate, BluBeesMetrics metrics, TimeProvider time,
    ILogger<EventIngestor> logger, RunStore runs, Microsoft.Extensions.Options.IOptions<RunOptions>? runOptions = null)
{
    public static readonly TimeSpan DedupWindow = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a "sending" marker (a queue outside the store) is its sender's: longer than any send may take (the SQS
    /// send deadline is at most 60 s, <c>Queue:SendTimeoutMilliseconds</c>). A marker still "sending" after that was left
    /// by a sender killed mid-send (no handler ran); a redelivery then takes it over and sends again.
    /// </summary>
    public static readonly TimeSpan SendLease = TimeSpan.FromMinutes(2);

    /// <param name="trace">The <c>X-Atlassian-Webhook-Trace</c> the event arrived with, if any: handed to the run for loop detection.</param>
    public async Task<IngestResult> IngestAsync(TenantContext tenant, JiraEvent evt, string? systemToken, string? trace, CancellationToken ct)
    {
        if (!gate.Accepting)
        {
            return IngestResult.Unavailable;
        }

        // Every store write of the accept (the tenant's record on its first event, a filtered event's trace, the data
        // key on first need) waits for the embedded file's write lock no longer than the queue's own accept does.
        using var bound = StoreWriteWait.Bound(SqliteRunQueue.LockWaitFor(RunSource.Event));
        await tenants.EnsureAsync(tenant, ct);
        var misses = new List<Trace.RuleTraceEntry>();
        var heads = await rules.ListHeadsForRunAsync(tenant.Id, ct);
        if (!await CouldRunAsync(tenant.Id, heads, evt, misses, ct))
        {
            metrics.IngressFiltered();
            LogFiltered(logger, evt.EventType);
            await TraceFilteredAsync(tenant.Id, evt, misses);
            return IngestResult.Filtered;
        }

        return await SubmitAsync(
            new IngressRequest(tenant, RunSource.Event, evt.Body) { SystemToken = systemToken, Trace = trace, DedupKey = DedupKey(evt), Heads = heads },
            ct);
    }

    /// <summary>
    /// Queues one unit of work. A queue that refuses it (full, closing) or fails kept nothing of it; a source that
    /// must not see its work twice passes a <see cref="IngressRequest.DedupKey"/>, whose marker is written with the
    /// message (or, on SQS, before it and open until the send succeeded), never a claim of its own before the hand-over:
    /// a process killed in between would leave the claim and lose the work.
    /// </summary>
    public async Task<IngestResult> SubmitAsync(IngressRequest request, CancellationToken ct)
    {
        if (!gate.Accepting)
        {
            LogUnavailable(logger, request.Source, "the backend is shutting down");
            return IngestResult.Unavailable;
        }

        // Before anything is built or waits for the queue's writer: one tenant's flood waits there behind at most its
        // own share of accepts, never every other tenant's (EventIngestor.Shares.cs).
        var tenantId = request.Tenant.Id;
        if (!TryEnterAccept(tenantId))
        {
            metrics.TenantAcceptRefused();
            LogUnavailable(logger, request.Source, "its tenant already has as many accepts in flight as it may (Runs:PerTenantAcceptsInFlight)");
            return IngestResult.Unavailable;
        }

        try
        {
            return await SubmitHeldAsync(request, ct);
        }
        finally
        {
            ExitAccept(tenantId);
        }
    }

    private async Task<IngestResult> SubmitHeldAsync(IngressRequest request, CancellationToken ct)
    {
        using var bound = StoreWriteWait.Bound(SqliteRunQueue.LockWaitFor(request.Source)); // as IngestAsync's
        var (result, why) = gate.Accepting ? await EnqueueAsync(Build(request), ct) : (IngestResult.Unavailable, "the backend is shutting down");
        switch (result)
        {
            case IngestResult.Unavailable:
                LogUnavailable(logger, request.Source, why ?? "the queue is full");
                break;
            case IngestResult.Accepted:
                metrics.EventAccepted(request.Source.ToString().ToLowerInvariant());
                LogAccepted(logger, request.Source);
                break;
            case IngestResult.Duplicate or IngestResult.AlreadyQueued:
                metrics.DuplicateDelivery();
                LogDuplicate(logger, request.Source, result == IngestResult.Duplicate ? "finished" : "still queued");
                break;
        }

        return result;
    }

    /// <summary>The one builder of a run message.</summary>
    private RunMessage Build(IngressRequest request) => new(
        request.Tenant,
        request.Source,
        request.Payload.ToJsonString(),
        time.GetUtcNow(),
        request.SystemToken is { Length: > 0 } token ? token : null,
        request.RuleId,
        request.Trace is { Length: > 0 and <= 200 } trace ? trace : null,
        RunIds.MessageFor(request.Tenant.Id, request.DedupKey),
        request.DedupKey)
    {
        IngressHeads = request.Heads,
    };

    /// <summary>Queues the message; with an unavailable result, why (null: the queue is full or refused it).</summary>
    private async Task<(IngestResult Result, string? Why)> EnqueueAsync(RunMessage message, CancellationToken ct)
    {
        var partition = store.ForTenant(message.Tenant.Id);
        if (message.DedupKey is not { } dedupKey)
        {
            return (await TryEnqueueAsync(message, ct) ? IngestResult.Accepted : IngestResult.Unavailable, null);
        }

        var claim = new DedupClaim(partition.Partition, Keys.Dedup(dedupKey), message.ReceivedAt + DedupWindow);
        if (queue is IDedupingRunQueue { SharesStore: true } deduping)
        {
            return (await deduping.EnqueueDedupedAsync(message, claim, ct) switch
            {
                EnqueueOutcome.Accepted => IngestResult.Accepted,
                EnqueueOutcome.AlreadyQueued => IngestResult.AlreadyQueued,
                EnqueueOutcome.AlreadyFinished => IngestResult.Duplicate,
                _ => IngestResult.Unavailable,
            }, null);
        }

        // A queue outside the store (SQS): the marker first, "sending" until the send's outcome is known. A process
        // killed mid-send leaves it so; once its lease has passed, a redelivery takes it over and sends again under
        // the first attempt's identity. A failed send leaves it "unsent" (the queue may have kept the message all the
        // same), and the redelivery sends again at once. Only a completed send marks it "queued".
        var now = time.GetUtcNow();
        long revision = 1; // the marker's revision while this delivery owns its send
        if (!await partition.PutIfAbsentAsync(claim.Sk, Common.StoredJson.Write(new DedupMarker(message.ReceivedAt, DedupMarker.Sending, message.Id) { Since = now }), claim.ExpiresAt.ToUnixTimeSeconds(), ct))
        {
            switch (await ResendableAsync(partition, claim.Sk, message, now, ct))
            {
                case ({ } resend, _, var taken):
                    message = resend;
                    revision = taken;
                    break;
                case (null, true, _):
                    // Another delivery is sending it right now, or died sending it less than SendLease ago: ask for a
                    // retry, never drop it.
                    return (IngestResult.Unavailable, "another delivery of this event is still being sent");
                default:
                    return (IngestResult.Duplicate, null);
            }
        }

        // The marker's later writes are conditional on this delivery still owning it: a delivery that took over a
        // send whose lease ran out is not undone by the slow first one.
        bool sent;
        try
        {
            sent = await TryEnqueueAsync(message, ct);
        }
        catch
        {
            // Not a send that may have reached the queue (e.g. a message too large to queue): no marker outlives it.
            await partition.DeleteIfRevisionAsync(claim.Sk, revision, CancellationToken.None);
            throw;
        }

        var state = sent ? DedupMarker.Queued : DedupMarker.Unsent;
        var marker = partition.Item(claim.Sk, Common.StoredJson.Write(new DedupMarker(message.ReceivedAt, state, message.Id)), (message.ReceivedAt + DedupWindow).ToUnixTimeSeconds());
        try
        {
            await partition.PutIfRevisionAsync(marker, revision, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The send's outcome is known; only the marker's update failed (the store throttled or failed after its
            // retries). A queued message is accepted all the same: an error would make the sender deliver it again.
            // The marker stays "sending", as if this process had died mid-send: a redelivery within SendLease is asked
            // to retry, a later one sends again under the same identity.
            LogMarkerNotUpdated(logger, state, ex.GetType().Name);
        }

        return (sent ? IngestResult.Accepted : IngestResult.Unavailable, null);
    }

    /// <summary>
    /// The message to send again when the event's marker says its last send failed ("unsent") or was cut off (still
    /// "sending" after <see cref="SendLease"/>: the sender died), taken over by this delivery (a compare-and-swap on
    /// the marker, so two redeliveries racing send once); <c>InFlight</c> when another delivery's send is still within
    /// its lease; neither for a duplicate. The message keeps the first attempt's receipt time: its run ids then equal
    /// those of a copy the queue kept.
    /// </summary>
    private static async Task<(RunMessage? Resend, bool InFlight, long Revision)> ResendableAsync(
        TenantStore partition, string sk, RunMessage message, DateTimeOffset now, CancellationToken ct)
    {
        if (await partition.GetAsync(sk, ct) is not { } item || OpenMarker(item.Data) is not { } marker || marker.MessageId != message.Id)
        {
            return (null, false, 0);
        }

        if (marker.State == DedupMarker.Sending && (marker.Since ?? marker.ReceivedAt) + SendLease > now)
        {
            return (null, true, 0);
        }

        var sending = Common.StoredJson.Write(new DedupMarker(marker.ReceivedAt, DedupMarker.Sending, marker.MessageId) { Since = now });
        return await partition.PutIfRevisionAsync(partition.Item(sk, sending, item.ExpiresAt), item.Revision, ct)
            ? (message with { ReceivedAt = marker.ReceivedAt }, false, item.Revision + 1)
            : (null, true, 0); // another redelivery took it over just now
    }

    /// <summary>A marker whose send is not known to have completed ("unsent" or "sending"); null otherwise.</summary>
    private static DedupMarker? OpenMarker(string data)
    {
        try
        {
            return DedupMarker.Read(data) is { State: DedupMarker.Unsent or DedupMarker.Sending } marker ? marker : null;
        }
        catch (JsonException)
        {
            return null; // unreadable: a duplicate (never run an event twice on a guess)
        }
    }

    private async Task<bool> TryEnqueueAsync(RunMessage message, CancellationToken ct)
    {
        try
        {
            await queue.EnqueueAsync(message, ct);
            return true;
        }
        catch (QueueFullException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether any enabled event rule of the tenant could fire on the event (event type, project, issue type, field
    /// changed), from the compiled rules (cached per version). Conditions are not evaluated here. A rule that does
    /// not compile, or an event whose shape the trigger cannot read, counts as "could": the worker then records it.
    /// </summary>
    private async Task<bool> CouldRunAsync(TenantId tenantId, IReadOnlyList<RuleHead> heads, JiraEvent evt, List<Trace.RuleTraceEntry> misses, CancellationToken ct)
    {
        foreach (var head in heads)
        {
            if (!string.Equals(head.TriggerType, nameof(TriggerKind.Event), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!head.Enabled)
            {
                await TraceDisabledAsync(tenantId, head, evt, misses, ct);
                continue;
            }

            if (await rules.LoadCompiledAsync(tenantId, head, ct) is not { } rule)
            {
                return true;
            }

            try
            {
                if (!TraceTrigger(rule, evt, misses))
                {
                    return true;
                }
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }

        return false;
    }

    public static string DedupKey(JiraEvent evt)
    {
        var body = evt.Body;
        string? IdOf(string name) => body[name] is JsonObject o ? JiraEvent.Text(o["id"]) : null;
        var identity = string.Join('\n',
            evt.EventType,
            JiraEvent.Text(body["timestamp"]) ?? string.Empty,
            (body["issue"] as JsonObject)?["id"] is { } id ? JiraEvent.Text(id) ?? string.Empty : string.Empty,
            IdOf("changelog") ?? string.Empty,
            IdOf("comment") ?? string.Empty);
        if (body["timestamp"] is null)
        {
            // Without a timestamp (Atlassian's Jira event reference lists none for some events:
            // https://developer.atlassian.com/platform/forge/events-reference/jira/) the identifiers cannot tell two
            // events apart; fall back to the content hash. Without retryContext: Forge adds it to each redelivery
            // (https://developer.atlassian.com/platform/forge/events-reference/product_events/ "Retry product events"),
            // so hashing it made every redelivery a new event that ran again.
            identity += "\n" + ContentWithoutRetryContext(body);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)));
    }

    private static string ContentWithoutRetryContext(JsonObject body)
    {
        if (!body.ContainsKey("retryContext"))
        {
            return body.ToJsonString();
        }

        var copy = new JsonObject();
        foreach (var (name, value) in body)
        {
            if (name != "retryContext")
            {
                copy[name] = value?.DeepClone();
            }
        }

        return copy.ToJsonString();
    }

    // Debug: it names no event, and each accepted event's run writes its own Information line when it ends (RunProcessor);
    // at Information it was a second console line per event in the deployed backend (bench --production-logging).
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Source} work accepted")]
    private static partial void LogAccepted(ILogger logger, RunSource source);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} work was a redelivery ({State}); not queued again")]
    private static partial void LogDuplicate(ILogger logger, RunSource source, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {EventType} matches no enabled rule; acknowledged without queueing")]
    private static partial void LogFiltered(ILogger logger, string eventType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The de-duplication marker could not be set to {State} after the send ({ExceptionType}); it stays 'sending' until its lease passes")]
    private static partial void LogMarkerNotUpdated(ILogger logger, string state, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} work refused: {Reason}; the sender should retry")]
    private static partial void LogUnavailable(ILogger logger, RunSource source, string reason);
}
